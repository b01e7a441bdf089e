from .adaptsegnet_checkpoint import (CheckpointConversionError,
                                     convert_checkpoint, convert_state_dict)
from .photometric_perturbation import PhotometricPerturbation
from .ramps import linear_ramp

__all__ = [
    'CheckpointConversionError', 'convert_checkpoint', 'convert_state_dict',
    'PhotometricPerturbation', 'linear_ramp'
]

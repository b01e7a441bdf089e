from .adaptsegnet_checkpoint import (CheckpointConversionError,
                                     convert_checkpoint, convert_state_dict)
from .photometric_perturbation import PhotometricPerturbation
from .ramps import linear_ramp
from .step_rng import draw_seed, step_generator

__all__ = [
    'CheckpointConversionError', 'convert_checkpoint', 'convert_state_dict',
    'PhotometricPerturbation', 'draw_seed', 'linear_ramp', 'step_generator'
]

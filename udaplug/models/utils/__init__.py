from .adaptsegnet_checkpoint import (CheckpointConversionError,
                                     convert_checkpoint, convert_state_dict)
from .frozen_stats_bn import FrozenStatsBN
from .image_history_buffer import ImageHistoryBuffer
from .photometric_perturbation import PhotometricPerturbation
from .ramps import linear_ramp
from .rng_stream import RNGStream
from .step_rng import draw_seed, step_generator

__all__ = [
    'CheckpointConversionError', 'convert_checkpoint', 'convert_state_dict',
    'FrozenStatsBN', 'ImageHistoryBuffer', 'PhotometricPerturbation',
    'RNGStream', 'draw_seed', 'linear_ramp', 'step_generator'
]
from .fcn8s_checkpoint import convert_fcn8s_checkpoint  # noqa: E402
from .fcn8s_checkpoint import convert_fcn8s_state_dict

__all__ += ['convert_fcn8s_checkpoint', 'convert_fcn8s_state_dict']
from .class_subset import class_indices, select_classes  # noqa: E402

__all__ += ['class_indices', 'select_classes']

from .adaptsegnet_checkpoint import (CheckpointConversionError,
                                     convert_checkpoint, convert_state_dict)

__all__ = [
    'CheckpointConversionError', 'convert_checkpoint', 'convert_state_dict'
]
from .fcn8s_checkpoint import convert_fcn8s_checkpoint  # noqa: E402
from .fcn8s_checkpoint import convert_fcn8s_state_dict

__all__ += ['convert_fcn8s_checkpoint', 'convert_fcn8s_state_dict']
from .class_subset import class_indices, select_classes  # noqa: E402

__all__ += ['class_indices', 'select_classes']

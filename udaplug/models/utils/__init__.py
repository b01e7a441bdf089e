from .adaptsegnet_checkpoint import (CheckpointConversionError,
                                     convert_checkpoint, convert_state_dict)

__all__ = [
    'CheckpointConversionError', 'convert_checkpoint', 'convert_state_dict'
]

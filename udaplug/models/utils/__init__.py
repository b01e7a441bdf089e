from .adaptsegnet_checkpoint import (CheckpointConversionError,
                                     convert_checkpoint, convert_state_dict)
from .frozen_stats_bn import FrozenStatsBN
from .image_history_buffer import ImageHistoryBuffer
from .rng_stream import RNGStream

__all__ = [
    'CheckpointConversionError', 'convert_checkpoint', 'convert_state_dict',
    'FrozenStatsBN', 'ImageHistoryBuffer', 'RNGStream'
]

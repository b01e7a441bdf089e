from .adaptsegnet import AdaptSegNet
from .base_uda import BaseUDASegmentor, NonFiniteLossError, frozen, unwrap
from .multi_output_encoder_decoder import MultiOutputEncoderDecoder
from .source_only import SourceOnly

__all__ = [
    'AdaptSegNet', 'BaseUDASegmentor', 'MultiOutputEncoderDecoder',
    'NonFiniteLossError', 'SourceOnly', 'frozen', 'unwrap'
]
from .gioada import GIOAda  # noqa: E402

__all__ += ['GIOAda']

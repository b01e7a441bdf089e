from ..uda import BaseUDASegmentor, NonFiniteLossError, frozen, unwrap
from .adaptsegnet import AdaptSegNet
from .dacs import DACS
from .gioada import GIOAda
from .multi_output_encoder_decoder import MultiOutputEncoderDecoder
from .sci2i import SCI2IMeanTeacher
from .source_only import SourceOnly

__all__ = [
    'AdaptSegNet', 'BaseUDASegmentor', 'DACS', 'GIOAda',
    'MultiOutputEncoderDecoder', 'NonFiniteLossError', 'SCI2IMeanTeacher',
    'SourceOnly', 'frozen', 'unwrap'
]
from .cyclefeat import CycleFeat  # noqa: E402

__all__ += ['CycleFeat']
from .sai2i import SAI2I  # noqa: E402

__all__ += ['SAI2I']

from .resnet_transform_generator import ResnetTransformGenerator
from .sci2i_generator import SCI2IGenerator

__all__ = ['ResnetTransformGenerator', 'SCI2IGenerator']
from .content_encoder import ContentEncoder  # noqa: E402
from .spade import SPADE  # noqa: E402
from .spade_generator import SPADEGenerator  # noqa: E402
from .spade_res_block import SPADEResBlock  # noqa: E402

__all__ += ['ContentEncoder', 'SPADE', 'SPADEGenerator', 'SPADEResBlock']

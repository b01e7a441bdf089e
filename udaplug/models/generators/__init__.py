from .resnet_transform_generator import ResnetTransformGenerator

__all__ = ['ResnetTransformGenerator']
from .content_encoder import ContentEncoder  # noqa: E402
from .spade import SPADE  # noqa: E402
from .spade_generator import SPADEGenerator  # noqa: E402
from .spade_res_block import SPADEResBlock  # noqa: E402

__all__ += ['ContentEncoder', 'SPADE', 'SPADEGenerator', 'SPADEResBlock']

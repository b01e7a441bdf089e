from .deeplab_resnet import DeepLabResNet
from .deeplab_vgg import DeepLabVGG
from .fcn_vgg import FCNVGG
from .mix_vision_transformer import (MiTCheckpointLayoutError,
                                     MixVisionTransformer)

__all__ = [
    'DeepLabResNet', 'DeepLabVGG', 'FCNVGG', 'MixVisionTransformer',
    'MiTCheckpointLayoutError'
]

from .deeplab_resnet import DeepLabResNet

__all__ = ['DeepLabResNet']
from .deeplab_vgg import DeepLabVGG  # noqa: E402

__all__ += ['DeepLabVGG']
from .fcn_vgg import FCNVGG  # noqa: E402

__all__ += ['FCNVGG']

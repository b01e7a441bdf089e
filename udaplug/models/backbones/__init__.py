from .deeplab_resnet import DeepLabResNet

__all__ = ['DeepLabResNet']

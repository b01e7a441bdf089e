from .resnet_transform_generator import ResnetTransformGenerator

__all__ = ['ResnetTransformGenerator']

from .resnet_transform_generator import ResnetTransformGenerator
from .sci2i_generator import SCI2IGenerator

__all__ = ['ResnetTransformGenerator', 'SCI2IGenerator']

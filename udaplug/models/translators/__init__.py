from .sai2i_translator import SAI2ITranslator
from .sci2i_translator import SCI2ITranslator

__all__ = ['SAI2ITranslator', 'SCI2ITranslator']

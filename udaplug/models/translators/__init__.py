from .sai2i_translator import SAI2ITranslator

__all__ = ['SAI2ITranslator']

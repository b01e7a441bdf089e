from .sci2i_translator import SCI2ITranslator

__all__ = ['SCI2ITranslator']

"""udaplug: unsupervised domain adaptation for semantic segmentation on
MMSegmentation 1.x / MMEngine."""
from .version import __version__

__all__ = ['__version__']

"""udaplug: unsupervised domain adaptation for semantic segmentation on
MMSegmentation 1.x / MMEngine."""
from .utils.checkpoint import allow_mmengine_checkpoint_globals
from .version import __version__

allow_mmengine_checkpoint_globals()

__all__ = ['__version__']

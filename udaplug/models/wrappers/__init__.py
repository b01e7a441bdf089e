from .uda_distributed import UDADistributedDataParallel

__all__ = ['UDADistributedDataParallel']

from mmengine.device import get_device
from mmengine.model import MMSeparateDistributedDataParallel
from torch import nn

from udaplug.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class UDADistributedDataParallel(MMSeparateDistributedDataParallel):
    """Each sub-network of a model in its own DistributedDataParallel.

    mmengine's :class:`MMSeparateDistributedDataParallel` (one DDP per direct
    child with trainable parameters: the segmentor, each discriminator and
    generator), which also runs on CPU with the gloo backend: the runner
    passes ``device_ids=[LOCAL_RANK]``, which DDP rejects for CPU modules, so
    they are dropped there.

    Args:
        module (nn.Module): The model.
        broadcast_buffers (bool): See DistributedDataParallel. Defaults to
            False (frozen BN statistics stay per rank, as on one GPU).
        find_unused_parameters (bool): See DistributedDataParallel. udaplug's
            modules keep unused parameters out of the graph by freezing them,
            so False works for the shipped configs.
    """

    def __init__(self,
                 module: nn.Module,
                 broadcast_buffers: bool = False,
                 find_unused_parameters: bool = False,
                 **kwargs):
        if get_device() == 'cpu':
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        super().__init__(
            module,
            broadcast_buffers=broadcast_buffers,
            find_unused_parameters=find_unused_parameters,
            **kwargs)

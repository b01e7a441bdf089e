from mmengine.device import get_device
from mmengine.model import (MMDistributedDataParallel,
                            MMSeparateDistributedDataParallel)
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from udaplug.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class UDADistributedDataParallel(MMSeparateDistributedDataParallel):
    """Each trainable network of a UDA model in its own
    DistributedDataParallel.

    mmengine's :class:`MMSeparateDistributedDataParallel` (one DDP per direct
    child, so updating one network never waits for another's gradients),
    with the children chosen by the networks' roles for udaplug models
    (:class:`~udaplug.models.uda.BaseUDASegmentor`): trainable networks are
    wrapped; frozen and EMA networks and parameter-free children (losses)
    are only moved to the device. Other models are wrapped as mmengine does
    (children with trainable parameters).

    Also runs on CPU with the gloo backend: the runner passes
    ``device_ids=[LOCAL_RANK]``, which DDP rejects for CPU modules, so they
    are dropped there.

    Args:
        module (nn.Module): The model.
        broadcast_buffers (bool): See DistributedDataParallel. Defaults to
            False (BN statistics stay per process, as on one GPU).
        find_unused_parameters (bool): See DistributedDataParallel. udaplug's
            modules keep unused parameters out of the graph by freezing them,
            so False works for the shipped configs.
    """

    def __init__(self,
                 module: nn.Module,
                 broadcast_buffers: bool = False,
                 find_unused_parameters: bool = False,
                 **kwargs):
        from udaplug.models.uda import BaseUDASegmentor
        if get_device() == 'cpu':
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        if not isinstance(module, BaseUDASegmentor):
            super().__init__(
                module,
                broadcast_buffers=broadcast_buffers,
                find_unused_parameters=find_unused_parameters,
                **kwargs)
            return
        # MMSeparateDistributedDataParallel.__init__, with the wrapped
        # children chosen by role
        super(DistributedDataParallel, self).__init__()
        self.module = module
        device = get_device()
        trainable = set(module.trainable_names)
        for name, child in module._modules.items():
            child = child.to(device)
            if name in trainable:
                child = MMDistributedDataParallel(
                    module=child,
                    broadcast_buffers=broadcast_buffers,
                    find_unused_parameters=find_unused_parameters,
                    **kwargs)
            module._modules[name] = child

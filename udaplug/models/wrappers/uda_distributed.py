from mmengine.device import get_device
from mmengine.model import (MMDistributedDataParallel,
                            MMSeparateDistributedDataParallel,
                            is_model_wrapper)
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

    Checkpoints hold the networks' weights under their own names
    (``segmentor.backbone...``, not ``segmentor.module.backbone...``): the
    names mmengine's checkpoint loading expects (it looks through wrappers),
    so a checkpoint of a distributed run resumes and loads (``load_from``,
    ``tools/test.py``, the offline tools) in distributed and single-process
    runs alike.

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
            _save_under_plain_names(module)
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
        _save_under_plain_names(module)


def _save_under_plain_names(module: nn.Module) -> None:
    """Make the state dict of ``module`` hold each DDP-wrapped child's
    entries under the child's own name (``segmentor.backbone...``), the
    names mmengine's checkpoint loading expects (it looks through
    wrappers)."""
    for child in module.children():
        if is_model_wrapper(child):
            child.register_state_dict_post_hook(_drop_wrapper_level)


def _drop_wrapper_level(module: nn.Module, state_dict: dict, prefix: str,
                        local_metadata: dict) -> None:
    """State-dict hook of a DDP-wrapped network: its entries (and their
    metadata) without the wrapper's ``module.`` level."""
    inner = prefix + 'module.'
    for key in [k for k in state_dict if k.startswith(inner)]:
        state_dict[prefix + key[len(inner):]] = state_dict.pop(key)
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:
        for key in [k for k in metadata if k.startswith(inner)]:
            metadata[prefix + key[len(inner):]] = metadata.pop(key)
        metadata.pop(inner[:-1], None)

from mmengine.device import get_device
from mmengine.model import MMSeparateDistributedDataParallel, is_model_wrapper
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

    Checkpoints hold the networks' weights under their own names
    (``segmentor.backbone...``, not ``segmentor.module.backbone...``): the
    names mmengine's checkpoint loading expects (it looks through wrappers),
    so a checkpoint of a distributed run resumes, and loads with
    ``load_from``, ``tools/test.py`` and the offline tools, in distributed
    and single-process runs alike.

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
        for child in self.module.children():
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

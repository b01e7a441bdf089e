from mmengine.hooks import Hook

from udaplug.registry import HOOKS
from udaplug.utils.checkpoint import from_portable, to_portable


@HOOKS.register_module()
class PortableCheckpointHook(Hook):
    """Write checkpoints that torch's default ``weights_only`` loading
    accepts without any allow-list, and read them back exactly.

    mmengine 0.10 stores the message hub's ``HistoryBuffer`` objects and
    numpy values in every checkpoint; torch >= 2.6 refuses to load such a
    file with ``torch.load(path)`` (so do mmseg's ``init_model`` and
    ``MMSegInferencer``, which load that way). Before a checkpoint is saved
    this hook replaces them by tensors and plain values
    (:func:`udaplug.utils.checkpoint.to_portable`); after a checkpoint is
    loaded it restores them (:func:`~udaplug.utils.checkpoint.from_portable`),
    so resuming is exact. ``udaplug.apis.build_runner`` registers it in
    every runner it builds.
    """
    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in ('meta', 'message_hub'):
            if key in checkpoint:
                checkpoint[key] = to_portable(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in ('meta', 'message_hub'):
            if key in checkpoint:
                checkpoint[key] = from_portable(checkpoint[key])

"""Batch normalisation that always uses its stored statistics."""
from torch import nn

from udaplug.registry import MODELS


@MODELS.register_module()
class FrozenStatsBN(nn.BatchNorm2d):
    """``nn.BatchNorm2d`` that stays in inference mode: it normalises with
    its running mean and variance and never updates them, also under
    ``model.train()``; its scale and offset are trained as usual.

    This is TensorFlow's ``batch_norm(is_training=False)`` inside a trained
    network, which Toldo et al.'s official code uses for the whole
    segmentor in both training stages (``fine_tune_batch_norm=False`` in
    ``cyclegan/segmentator.py``; the scale and offset stay in the optimised
    variables). mmseg's ``norm_eval=True`` does the same for a backbone's
    BatchNorm layers only; as a norm layer type,
    ``norm_cfg=dict(type='FrozenStatsBN')`` also covers the decode heads.
    Same parameters, buffers and state-dict keys as ``BN``, so checkpoints
    load either way.
    """

    def train(self, mode: bool = True) -> 'FrozenStatsBN':
        return super().train(False)

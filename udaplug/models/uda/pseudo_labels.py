"""Pseudo-labels for self-training on the target domain.

Functions of softmax probabilities ``probs`` (N, C, H, W); 255 is the
ignore index, as in the label files and mmseg's losses.

* :func:`confidence_fraction` and :func:`confidence_fraction_weight`: the
  pseudo-label weight of DACS / DAFormer (official code ``lhoyer/DAFormer``,
  ``mmseg/models/uda/dacs.py``; ``vikolss/DACS``, ``trainUDA.py``,
  ``"pixel_weight": "threshold_uniform"``).

udaplug writes these itself: mmseg, mmengine and mmagic have no
pseudo-labelling code.
"""
from torch import Tensor

IGNORE_INDEX = 255
#: DAFormer, configs/_base_/uda/dacs.py: ``pseudo_threshold=0.968``.
DACS_THRESHOLD = 0.968


def max_probs(probs: Tensor):
    """``(confidence, labels)``: the largest probability of each pixel and
    its class, each (N, H, W)."""
    if not isinstance(probs, Tensor) or probs.dim() != 4:
        shape = tuple(probs.shape) if isinstance(probs, Tensor) else \
            type(probs).__name__
        raise ValueError('expected softmax probabilities of shape '
                         f'(N, C, H, W), got {shape}')
    return probs.max(dim=1)


def confidence_fraction(probs: Tensor,
                        threshold: float = DACS_THRESHOLD,
                        per_image: bool = False) -> Tensor:
    """DACS / DAFormer's pseudo-label quality estimate: the fraction of
    pixels whose largest probability reaches ``threshold``.

    Official code: ``ps_large_p = pseudo_prob.ge(0.968)``, ``pseudo_weight =
    sum(ps_large_p) / size(pseudo_label)``, counted over the whole batch of
    the process; ``per_image=True`` gives one fraction per image.

    Returns:
        Tensor: (N,) fractions (all equal unless ``per_image``).
    """
    conf, _ = max_probs(probs)
    confident = (conf >= threshold).float()
    if per_image:
        return confident.flatten(1).mean(dim=1)
    return confident.mean().expand(conf.shape[0]).clone()


def confidence_fraction_weight(probs: Tensor,
                               threshold: float = DACS_THRESHOLD,
                               per_image: bool = False,
                               ignore_top: int = 0,
                               ignore_bottom: int = 0) -> Tensor:
    """The per-pixel weight of DACS / DAFormer's pseudo-label loss: every
    pixel of an image weighs :func:`confidence_fraction`, except the
    ``ignore_top`` first and ``ignore_bottom`` last rows, which weigh 0
    (DAFormer's pseudo-label crop: ``pseudo_weight_ignore_top=15``,
    ``pseudo_weight_ignore_bottom=120``).

    Returns:
        Tensor: (N, H, W) float weights.
    """
    fraction = confidence_fraction(probs, threshold, per_image)
    n, _, h, w = probs.shape
    weight = fraction[:, None, None].expand(n, h, w).clone()
    if ignore_top > 0:
        weight[:, :ignore_top, :] = 0
    if ignore_bottom > 0:
        weight[:, h - min(ignore_bottom, h):, :] = 0
    return weight


__all__ = [
    'IGNORE_INDEX', 'DACS_THRESHOLD', 'max_probs', 'confidence_fraction',
    'confidence_fraction_weight'
]

"""Pseudo-labels for self-training on the target domain.

Every function takes softmax probabilities ``probs`` of shape (N, C, H, W)
(or (C, H, W) for one image where noted) and uses ``255`` as the ignore
index, like the label files and mmseg's losses.

* :func:`confidence_pseudo_labels`: the arg-max class where its probability
  reaches a threshold, a fixed one (Musto & Zinelli, Eq. 9: th_SSL = 0.9) or
  one per class;
* :func:`class_thresholds` and :class:`ClassThresholdHistogram`: BDL's
  class-wise thresholds (Li et al., CVPR 2019; official code
  ``liyunsheng13/BDL``, ``SSL.py``), over one batch or streamed over a whole
  dataset;
* :func:`confidence_fraction` and :func:`confidence_fraction_weight`: the
  pseudo-label weight of DACS / DAFormer (official code ``lhoyer/DAFormer``,
  ``mmseg/models/uda/dacs.py``).

udaplug writes these itself: mmseg, mmengine and mmagic have no
pseudo-labelling code.
"""
from typing import Optional, Sequence, Union

import torch
from torch import Tensor

IGNORE_INDEX = 255
#: BDL, SSL.py: the class-wise threshold is capped at 0.9.
BDL_CAP = 0.9
#: BDL, SSL.py: the median (the element at half the count, see below).
BDL_QUANTILE = 0.5
#: DAFormer, configs/_base_/uda/dacs.py: ``pseudo_threshold=0.968``.
DACS_THRESHOLD = 0.968
#: Default number of histogram bins of :class:`ClassThresholdHistogram`:
#: thresholds to 1/65536 of the probability range.
DEFAULT_BINS = 1 << 16

Threshold = Union[None, float, Sequence[float], Tensor]


def _check_probs(probs: Tensor, what: str = 'probs') -> Tensor:
    if not isinstance(probs, Tensor) or probs.dim() != 4:
        shape = tuple(probs.shape) if isinstance(probs, Tensor) else \
            type(probs).__name__
        raise ValueError(f'{what}: expected softmax probabilities of shape '
                         f'(N, C, H, W), got {shape}')
    if probs.shape[1] < 2:
        raise ValueError(f'{what}: need at least 2 classes (C >= 2), got '
                         f'C={probs.shape[1]}')
    return probs


def max_probs(probs: Tensor):
    """``(confidence, labels)``: the largest probability of each pixel and
    its class, each (N, H, W)."""
    return _check_probs(probs).max(dim=1)


def as_threshold(threshold: Threshold,
                 num_classes: int,
                 device=None) -> Optional[Tensor]:
    """``threshold`` as None (no threshold), a 0-d tensor or a (C,) tensor
    of class-wise thresholds, checked."""
    if threshold is None:
        return None
    t = torch.as_tensor(threshold, dtype=torch.float32, device=device)
    if t.dim() == 1 and t.numel() != num_classes:
        raise ValueError(f'class-wise threshold: expected {num_classes} '
                         f'values (one per class), got {t.numel()}')
    if t.dim() > 1:
        raise ValueError('threshold: a number or one value per class, got a '
                         f'tensor of shape {tuple(t.shape)}')
    if not torch.isfinite(t).all() or (t < 0).any() or (t > 1).any():
        raise ValueError('threshold: probabilities in [0, 1] expected, got '
                         f'{t.tolist()}')
    return t


def confidence_pseudo_labels(probs: Tensor,
                             threshold: Threshold = None,
                             ignore_index: int = IGNORE_INDEX) -> Tensor:
    """Hard pseudo-labels: the arg-max class of each pixel where its
    probability reaches the threshold, ``ignore_index`` elsewhere.

    Musto & Zinelli (BMVC 2020), Eq. 9: ``y = argmax_k M(x)_k if
    max_k M(x)_k >= th_SSL else ignore``, with ``th_SSL = 0.9``. With a (C,)
    ``threshold`` the pixel's own (arg-max) class's threshold applies
    (BDL's class-wise thresholds, see :func:`class_thresholds`): a pixel is
    kept iff ``max_k p_k >= threshold[argmax_k p_k]`` (SSL.py drops
    ``prob < thres[i]``).

    Args:
        probs (Tensor): Softmax probabilities, (N, C, H, W).
        threshold (float | Sequence[float] | Tensor, optional): One
            threshold, or one per class; None keeps every pixel.
        ignore_index (int): Label of the dropped pixels. Defaults to 255.

    Returns:
        Tensor: Labels (N, H, W), dtype long.
    """
    conf, labels = max_probs(probs)
    t = as_threshold(threshold, probs.shape[1], probs.device)
    if t is None:
        return labels
    needed = t[labels] if t.dim() == 1 else t
    return torch.where(conf >= needed, labels,
                       torch.full_like(labels, ignore_index))


def _bdl_rank(count: Tensor, quantile: float) -> Tensor:
    """The 0-based rank BDL takes in the sorted confidences of ``count``
    pixels: ``np.round(count * quantile)`` (round half to even, as numpy;
    for the median of 3 pixels that is rank 2, the largest), at most
    ``count - 1``."""
    rank = torch.round(count.double() * quantile).long()  # half to even
    return torch.minimum(rank, (count - 1).clamp(min=0))


def _check_quantile_cap(quantile: float, cap: Optional[float]) -> None:
    if not 0 <= quantile <= 1:
        raise ValueError(f'quantile must be in [0, 1], got {quantile}')
    if cap is not None and not 0 <= cap <= 1:
        raise ValueError(f'cap must be in [0, 1], got {cap}')


def class_thresholds(probs: Tensor,
                     quantile: float = BDL_QUANTILE,
                     cap: Optional[float] = BDL_CAP) -> Tensor:
    """BDL's class-wise thresholds over one batch, exactly.

    liyunsheng13/BDL, ``SSL.py``: for each class ``c``, the confidences
    ``max_k p_k`` of the pixels predicted as ``c`` are sorted and the one at
    index ``round(n * 0.5)`` (``np.round``: half to even) is the threshold;
    a class nobody predicts gets 0; thresholds above 0.9 become 0.9. Pixels
    with ``conf < threshold[class]`` are then ignored (see
    :func:`confidence_pseudo_labels`).

    For a whole dataset use :class:`ClassThresholdHistogram`, which streams.

    Args:
        probs (Tensor): Softmax probabilities, (N, C, H, W).
        quantile (float): Which order statistic (0.5: BDL's median).
        cap (float, optional): Upper bound of every threshold (BDL: 0.9);
            None for no cap.

    Returns:
        Tensor: (C,) float thresholds.
    """
    _check_quantile_cap(quantile, cap)
    conf, labels = max_probs(probs)
    conf, labels = conf.flatten(), labels.flatten()
    num_classes = probs.shape[1]
    thresholds = torch.zeros(num_classes, dtype=torch.float32)
    for c in range(num_classes):
        values = conf[labels == c]
        if values.numel() == 0:
            continue
        values = values.sort().values
        rank = _bdl_rank(torch.tensor(values.numel()), quantile)
        thresholds[c] = values[rank].float().cpu()
    if cap is not None:
        thresholds = thresholds.clamp(max=cap)
    return thresholds


class ClassThresholdHistogram:
    """BDL's class-wise thresholds streamed over a dataset.

    BDL's ``SSL.py`` keeps every prediction of the target set in memory to
    sort it. This keeps, for each class, a histogram of the confidences of
    the pixels predicted as that class: ``bins`` equal bins over [0, 1]
    (``C x bins`` int64 counts; 10 MB for 19 classes and the default 65536
    bins), updated batch by batch and summed across processes
    (:meth:`all_reduce`).

    Precision: :meth:`thresholds` returns the lower edge of the bin that
    holds BDL's order statistic (see :func:`class_thresholds`), so each
    threshold is at most ``1 / bins`` (1.5e-5 by default) below BDL's value
    and never above it; the pixels kept are BDL's plus, at most, the other
    pixels of that one bin. The cap (0.9) and empty classes (0) are as in
    BDL.

    Args:
        num_classes (int): Number of classes C.
        bins (int): Number of histogram bins over [0, 1].
        quantile (float): The order statistic (0.5: BDL's median).
        cap (float, optional): Cap of every threshold (BDL: 0.9).
    """

    def __init__(self,
                 num_classes: int,
                 bins: int = DEFAULT_BINS,
                 quantile: float = BDL_QUANTILE,
                 cap: Optional[float] = BDL_CAP) -> None:
        _check_quantile_cap(quantile, cap)
        if bins < 1:
            raise ValueError(f'bins must be >= 1, got {bins}')
        self.num_classes = int(num_classes)
        self.bins = int(bins)
        self.quantile = float(quantile)
        self.cap = cap
        self.counts = torch.zeros(
            self.num_classes, self.bins, dtype=torch.int64)

    def update(self, probs: Tensor) -> None:
        """Add the pixels of a batch (N, C, H, W) (or one image (C, H, W))."""
        if probs.dim() == 3:
            probs = probs[None]
        if probs.shape[1] != self.num_classes:
            raise ValueError(f'ClassThresholdHistogram: built for '
                             f'{self.num_classes} classes, got probabilities '
                             f'of {probs.shape[1]}')
        conf, labels = max_probs(probs)
        bin_idx = (conf.flatten().double() * self.bins).long().clamp_(
            0, self.bins - 1)
        flat = labels.flatten() * self.bins + bin_idx
        counts = torch.bincount(
            flat, minlength=self.num_classes * self.bins).view(
                self.num_classes, self.bins)
        self.counts += counts.cpu()

    def all_reduce(self) -> None:
        """Sum the histograms of all processes (no-op when not
        distributed)."""
        from mmengine.dist import all_reduce, is_distributed
        if is_distributed():
            all_reduce(self.counts, op='sum')

    @property
    def pixels_per_class(self) -> Tensor:
        """(C,) number of pixels predicted as each class."""
        return self.counts.sum(dim=1)

    def thresholds(self) -> Tensor:
        """(C,) class-wise thresholds (see the class docstring)."""
        n = self.pixels_per_class
        rank = _bdl_rank(n, self.quantile)
        cum = self.counts.cumsum(dim=1)
        # the first bin whose cumulative count exceeds the rank
        bin_idx = (cum <= rank[:, None]).sum(dim=1).clamp(max=self.bins - 1)
        thresholds = bin_idx.float() / self.bins
        thresholds[n == 0] = 0.0
        if self.cap is not None:
            thresholds = thresholds.clamp(max=self.cap)
        return thresholds


def confidence_fraction(probs: Tensor,
                        threshold: float = DACS_THRESHOLD,
                        per_image: bool = False) -> Tensor:
    """DACS / DAFormer's pseudo-label quality estimate: the fraction of
    pixels whose largest probability reaches ``threshold``.

    lhoyer/DAFormer, ``mmseg/models/uda/dacs.py``: ``ps_large_p =
    pseudo_prob.ge(0.968)``, ``pseudo_weight = sum(ps_large_p) /
    size(pseudo_label)``, counted over the whole batch (all images of the
    process's batch, 2 in DAFormer's configs). The DAFormer paper writes
    the fraction per image (q_T over H x W); ``per_image=True`` gives that.

    Args:
        probs (Tensor): Softmax probabilities (N, C, H, W).
        threshold (float): Confidence threshold (DAFormer: 0.968).
        per_image (bool): One fraction per image instead of one for the
            batch (the official code). Defaults to False.

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
    (DAFormer's "pseudo-label crop", ``pseudo_weight_ignore_top=15``,
    ``pseudo_weight_ignore_bottom=120`` in its Cityscapes configs against
    rectification artefacts and the ego vehicle; 0 in DACS, ``configs/_base_
    /uda/dacs.py``).

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
    'IGNORE_INDEX', 'BDL_CAP', 'BDL_QUANTILE', 'DACS_THRESHOLD',
    'DEFAULT_BINS', 'max_probs', 'as_threshold', 'confidence_pseudo_labels',
    'class_thresholds', 'ClassThresholdHistogram', 'confidence_fraction',
    'confidence_fraction_weight'
]

"""ClassMix: cross-domain mixing by source classes (DACS)."""
from typing import Optional

import torch
from torch import Tensor

from udaplug.registry import MODELS

CLASS_POOLS = ('image', 'batch')


@MODELS.register_module()
class ClassMix:
    """Mix two batches by the classes of the first one's labels.

    DACS (Tranheden et al., WACV 2021, Sec. 3) mixes a labelled source
    image ``x_S`` into an unlabelled target image ``x_T`` with ClassMix
    (Olsson et al., WACV 2021): half of the classes present in the source
    label ``y_S`` are chosen at random, the binary mask ``M`` is 1 on the
    source pixels of those classes, and

        x_M = M * x_S + (1 - M) * x_T
        y_M = M * y_S + (1 - M) * y_T        (y_T: the target pseudo-label)
        w_M = M * 1   + (1 - M) * w_T        (w_T: the pseudo-label weight)

    i.e. image, label and pixel weight are mixed with the same mask
    (:meth:`mix`). ``ceil(n / 2)`` of the ``n`` candidate classes are chosen
    without replacement (``int((n + n % 2) / 2)`` in the official code).

    The transform works on batched tensors inside a model's ``train_step``:
    :meth:`masks` draws one mask per source label of the batch, :meth:`mix`
    applies masks to any batched tensor (images ``(N, C, H, W)``, labels or
    weights ``(N, H, W)``). It holds no parameters and no random state: pass
    a ``torch.Generator`` for reproducible draws.

    Which classes are candidates follows the official code, with options:

    - ``class_pool='image'`` (DACS's ``trainUDA.py``): the classes of each
      source label on its own. ``'batch'`` (DAFormer's
      ``get_class_masks``, which calls ``torch.unique`` on the whole batch):
      the classes present anywhere in the batch; pixels of image ``i`` are
      pasted where its label holds a chosen class.
    - ``mix_ignore=True`` (both official codes, which do not filter the
      ignore value): ``ignore_index`` counts as a class and its pixels can
      be pasted (they stay ignored in the loss through the mixed label).
      ``False`` leaves the ignore value out of the candidates.

    Args:
        class_pool (str): ``'image'`` or ``'batch'``. Defaults to 'image'.
        ignore_index (int): The label value of unlabelled pixels.
            Defaults to 255.
        mix_ignore (bool): Whether ``ignore_index`` is a candidate class.
            Defaults to True.
    """

    def __init__(self,
                 class_pool: str = 'image',
                 ignore_index: int = 255,
                 mix_ignore: bool = True) -> None:
        if class_pool not in CLASS_POOLS:
            raise ValueError(f'ClassMix: class_pool must be one of '
                             f'{CLASS_POOLS}, got "{class_pool}"')
        self.class_pool = class_pool
        self.ignore_index = int(ignore_index)
        self.mix_ignore = bool(mix_ignore)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(class_pool={self.class_pool!r}, '
                f'ignore_index={self.ignore_index}, '
                f'mix_ignore={self.mix_ignore})')

    @staticmethod
    def _labels_nhw(labels: Tensor) -> Tensor:
        if labels.dim() == 4 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.dim() != 3:
            raise ValueError('ClassMix: labels must be (N, H, W) or '
                             f'(N, 1, H, W), got {tuple(labels.shape)}')
        return labels

    def _candidates(self, labels: Tensor) -> Tensor:
        classes = torch.unique(labels)
        if not self.mix_ignore:
            classes = classes[classes != self.ignore_index]
        return classes

    def chosen_classes(self,
                       labels: Tensor,
                       generator: Optional[torch.Generator] = None) -> list:
        """The classes pasted from each source label: a list of 1-D
        tensors, one per image."""
        labels = self._labels_nhw(labels)
        pool = self._candidates(labels) if self.class_pool == 'batch' \
            else None
        chosen = []
        for label in labels:
            classes = pool if pool is not None else self._candidates(label)
            n = classes.numel()
            order = torch.randperm(n, generator=generator)
            chosen.append(classes[order[:(n + n % 2) // 2].to(classes.device)])
        return chosen

    def masks(self,
              labels: Tensor,
              generator: Optional[torch.Generator] = None) -> Tensor:
        """One ClassMix mask per source label.

        Args:
            labels (Tensor): Source labels, (N, H, W) or (N, 1, H, W).
            generator (torch.Generator, optional): Random source of the
                class choice (CPU generator).

        Returns:
            Tensor: Float masks (N, 1, H, W), 1 where the source is pasted.
        """
        labels = self._labels_nhw(labels)
        chosen = self.chosen_classes(labels, generator)
        masks = torch.stack([
            torch.isin(label, classes)
            for label, classes in zip(labels, chosen)
        ])
        return masks.unsqueeze(1).float()

    @staticmethod
    def mix(masks: Tensor, source: Tensor, target: Tensor) -> Tensor:
        """``M * source + (1 - M) * target`` for batched images
        (N, C, H, W) or labels / weights (N, H, W); the result keeps the
        inputs' dtype (labels stay integer)."""
        if source.shape != target.shape:
            raise ValueError('ClassMix.mix: source and target differ in '
                             f'shape: {tuple(source.shape)} vs '
                             f'{tuple(target.shape)}')
        m = masks.bool()
        if source.dim() == 3:
            m = m[:, 0]
        if m.shape[-2:] != source.shape[-2:]:
            raise ValueError(
                f'ClassMix.mix: masks are {tuple(m.shape[-2:])} but the '
                f'tensors {tuple(source.shape[-2:])}; mix at the label size')
        return torch.where(m, source, target)

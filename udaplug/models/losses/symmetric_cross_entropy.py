import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from udaplug.registry import MODELS


@MODELS.register_module()
class SymmetricCrossEntropyLoss(nn.Module):
    """Symmetric cross-entropy (Wang et al., "Symmetric Cross Entropy for
    Robust Learning with Noisy Labels", ICCV 2019), per pixel:

    ``SCE = alpha * CE(q, p) + beta * RCE``, with ``p = softmax(logits)``,
    ``q`` the target distribution, ``CE = -sum_k q_k log p_k`` and the
    reverse cross-entropy ``RCE = -sum_k p_k log q_k``.

    - Hard targets (``label`` a (N, H, W) integer tensor, ``ignore_index``
      skipped): ``q`` is one-hot, and ``log 0`` is replaced by
      ``A = log(clamp)`` (the SCE paper's A = -4 with clamp 1e-4, as its
      official code clamps the one-hot labels to [1e-4, 1]), so
      ``RCE = -A (1 - p_y)``. Brehm et al., Eq. 1 (the AC head's loss on
      pseudo-labels).
    - Soft targets (``label`` a (N, C, H, W) float tensor of probabilities):
      ``q`` is that distribution, clamped to [clamp, 1] inside the log of
      RCE. With ``alpha = beta = 1`` and ``q = softmax(M(x))``, ``p =
      softmax(M(x'))``, this is Musto & Zinelli's Eq. 5 term
      ``-q log p - p log q``.

    ``p`` is clamped to [``pred_clamp``, 1] in RCE (official SCE code:
    1e-7). The loss is averaged over the non-ignored pixels
    (``avg_non_ignore=True``) or over all pixels, optionally weighted per
    pixel; usable as an mmseg ``loss_decode``.

    Args:
        alpha (float): Weight of CE. Defaults to 0.1 (SCE paper's default).
        beta (float): Weight of RCE. Defaults to 1.0 (SCE paper's default).
        clamp (float): Lower clamp of the target in ``log q``; ``A =
            log(clamp)``. Defaults to 1e-4 (A = log 1e-4).
        pred_clamp (float): Lower clamp of ``p`` in RCE. Defaults to 1e-7.
        ignore_index (int): Ignored label (hard targets). Defaults to 255.
        avg_non_ignore (bool): Average over non-ignored pixels only.
            Defaults to True.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Name in the loss dict. Defaults to 'loss_sce'.
    """

    def __init__(self,
                 alpha: float = 0.1,
                 beta: float = 1.0,
                 clamp: float = 1e-4,
                 pred_clamp: float = 1e-7,
                 ignore_index: int = 255,
                 avg_non_ignore: bool = True,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_sce') -> None:
        super().__init__()
        if not 0 < clamp <= 1 or not 0 < pred_clamp <= 1:
            raise ValueError('clamp and pred_clamp must be in (0, 1]')
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.clamp = float(clamp)
        self.pred_clamp = float(pred_clamp)
        self.ignore_index = ignore_index
        self.avg_non_ignore = avg_non_ignore
        self.loss_weight = float(loss_weight)
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def pixel_loss(self,
                   cls_score: Tensor,
                   label: Tensor,
                   ignore_index: Optional[int] = None):
        """Per-pixel SCE (N, H, W) and the mask of pixels that count."""
        log_p = F.log_softmax(cls_score.float(), dim=1)
        p = log_p.exp().clamp(min=self.pred_clamp, max=1.0)
        if label.dtype.is_floating_point:
            if label.shape != cls_score.shape:
                raise ValueError(
                    'SymmetricCrossEntropyLoss: a soft target must have the '
                    f'shape of the logits {tuple(cls_score.shape)}, got '
                    f'{tuple(label.shape)}')
            q = label.float()
            ce = -(q * log_p).sum(1)
            rce = -(p * q.clamp(min=self.clamp, max=1.0).log()).sum(1)
            valid = torch.ones_like(ce, dtype=torch.bool)
        else:
            ignore = self.ignore_index if ignore_index is None \
                else ignore_index
            valid = label != ignore
            y = torch.where(valid, label, torch.zeros_like(label)).long()
            ce = -log_p.gather(1, y[:, None])[:, 0]
            p_y = p.gather(1, y[:, None])[:, 0]
            # sum_k p_k log q_k with q one-hot clamped: log(1) p_y +
            # log(clamp) (sum p - p_y)
            rce = -math.log(self.clamp) * (p.sum(1) - p_y)
        loss = self.alpha * ce + self.beta * rce
        return loss * valid, valid

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = None,
                **kwargs) -> Tensor:
        loss, valid = self.pixel_loss(cls_score, label, ignore_index)
        if weight is not None:
            loss = loss * weight.to(loss)
        count = valid.sum() if self.avg_non_ignore else valid.numel()
        return self.loss_weight * loss.sum() / max(float(count), 1.0)

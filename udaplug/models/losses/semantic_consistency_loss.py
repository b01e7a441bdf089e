"""Semantic consistency of a translation (Toldo et al., Eq. 4-5)."""
import torch.nn.functional as F
from torch import Tensor, nn

from udaplug.registry import MODELS


@MODELS.register_module()
class SemanticConsistencyLoss(nn.Module):
    """L_sem of Toldo et al. (Eq. 4 and 5): the cross-entropy between the
    segmentor's prediction on a translated image, M(G(x)), and the argmax of
    its prediction on the original image, rho(M(x)):

        L_ce(M, G(X), rho(M(X))) = -E sum_{h,w,c} rho(M(x))_{h,w,c}
                                    log softmax(M(G(x)))_{h,w,c}

    averaged over every pixel (no ignored label). The argmax carries no
    gradient: the loss trains the generator (and the segmentor, through
    ``logits``) to keep the translation's semantics, not the original's
    prediction. Eq. (4) sums the loss over both directions; call it once per
    direction.

    As the official code (``semantic_consistency_loss`` in
    ``models/model_DA.py``) both predictions are compared at the
    segmentor's output resolution (logits before upsampling).

    Args:
        loss_weight (float): lambda_sem. Defaults to 0.1 (Sec. 4; official
            ``--lambda_sem 0.1``).
        loss_name (str): Defaults to ``'loss_sem'``.
    """

    def __init__(self,
                 loss_weight: float = 0.1,
                 loss_name: str = 'loss_sem') -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self, logits: Tensor, reference_logits: Tensor) -> Tensor:
        """``loss_weight`` x CE(``logits``, argmax ``reference_logits``),
        both (N, C, H, W) logits of the same size."""
        if logits.shape != reference_logits.shape:
            raise ValueError(
                f'{type(self).__name__}: the prediction on the translated '
                f'image is {tuple(logits.shape)} but the one on the original '
                f'is {tuple(reference_logits.shape)}; translate images of a '
                'size the generator keeps')
        labels = reference_logits.detach().argmax(dim=1)
        return self.loss_weight * F.cross_entropy(logits, labels)

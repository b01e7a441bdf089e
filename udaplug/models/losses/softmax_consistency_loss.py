"""Mean-teacher consistency loss: Tarvainen and Valpola, NeurIPS 2017, as
used by Brehm et al., ICAART 2022, Eq. (12)."""
from typing import Optional

import torch.nn.functional as F
from torch import Tensor, nn

from udaplug.registry import MODELS


@MODELS.register_module()
class SoftmaxConsistencyLoss(nn.Module):
    """Squared L2 distance between the softmax of a student's and a
    teacher's logits (Brehm et al. Eq. 12):

    .. math::

        L_{con} = \\frac{1}{NHW} \\sum_{n,i,j}
            \\lVert \\sigma(F_T(x_t))_{n,:,i,j} -
                    \\sigma(F_S(P(x_t)))_{n,:,i,j} \\rVert_2^2

    the squared norm over the classes, averaged over pixels and images (the
    paper's per-image losses are averaged over the pixels, Eq. 7 and 9). The
    teacher's probabilities are a constant target (no gradient), as in the
    mean teacher.

    Args:
        loss_weight (float): Multiplier (lambda_con is usually applied by the
            model, which ramps it). Defaults to 1.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)

    def forward(self,
                student_logits: Tensor,
                teacher_logits: Tensor,
                weight: Optional[Tensor] = None) -> Tensor:
        """Args:
            student_logits (Tensor): (N, C, H, W) logits of the student.
            teacher_logits (Tensor): (N, C, H, W) logits of the teacher
                (detached here).
            weight (Tensor, optional): (N, H, W) per-pixel weight (e.g. 0 at
                padded pixels); the mean is still taken over all pixels.
        """
        if student_logits.shape != teacher_logits.shape:
            raise ValueError(
                'SoftmaxConsistencyLoss: student logits '
                f'{tuple(student_logits.shape)} and teacher logits '
                f'{tuple(teacher_logits.shape)} differ in shape')
        diff = F.softmax(
            student_logits, dim=1) - F.softmax(
                teacher_logits.detach(), dim=1)
        per_pixel = diff.pow(2).sum(dim=1)
        if weight is not None:
            per_pixel = per_pixel * weight
        return self.loss_weight * per_pixel.mean()

"""Adversarial loss summed over the outputs of a multi-scale
discriminator."""
from typing import Sequence, Union

from torch import Tensor, nn

from udaplug.registry import MODELS


@MODELS.register_module()
class MultiScaleAdversarialLoss(nn.Module):
    """A :class:`DomainAdversarialLoss` applied to every scale of a
    :class:`MultiScaleDiscriminator` and summed (``reduction='sum'``, as
    UNIT/MUNIT's ``calc_dis_loss``/``calc_gen_loss`` and pix2pixHD's
    ``GANLoss``) or averaged (``'mean'``, as SPADE's ``GANLoss``).

    Call signature of the domain losses: ``loss(disc_out, domain, is_disc,
    **kwargs)``, where ``disc_out`` is a list of score maps (a single
    tensor is taken as one scale).

    Args:
        reduction (str): ``'sum'`` (default) or ``'mean'`` over scales.
        **kwargs: :class:`DomainAdversarialLoss` arguments (``gan_type``,
            ``source_label``, ``target_label``, ...).
    """

    def __init__(self, reduction: str = 'sum', **kwargs):
        super().__init__()
        if reduction not in ('sum', 'mean'):
            raise ValueError(f'MultiScaleAdversarialLoss: reduction must be '
                             f'"sum" or "mean", got {reduction!r}')
        self.reduction = reduction
        self.scale_loss = MODELS.build(
            dict(type='DomainAdversarialLoss', **kwargs))

    def forward(self, disc_out: Union[Tensor, Sequence[Tensor]], domain: str,
                is_disc: bool, **kwargs) -> Tensor:
        outputs = [disc_out] if isinstance(disc_out, Tensor) else disc_out
        if not len(outputs):
            raise ValueError('MultiScaleAdversarialLoss: no discriminator '
                             'output')
        loss = sum(
            self.scale_loss(out, domain, is_disc=is_disc, **kwargs)
            for out in outputs)
        return loss / len(outputs) if self.reduction == 'mean' else loss

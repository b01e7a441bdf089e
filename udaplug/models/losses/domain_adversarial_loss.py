from mmagic.models.losses import GANLoss
from torch import Tensor, nn

from udaplug.registry import MODELS

DOMAINS = ('source', 'target')


@MODELS.register_module()
class DomainAdversarialLoss(nn.Module):
    """GAN loss on domain labels, built on mmagic's :class:`GANLoss`.

    The discriminator learns to tell ``'source'`` from ``'target'``; the
    segmentation network (or generator) learns to make target outputs look
    like source ones.

    With ``gan_type='vanilla'`` this is AdaptSegNet's Eq. (2) (discriminator)
    and Eq. (4) (adversarial loss), with ``'lsgan'`` its Eq. (7) and (8);
    ``'hinge'`` is also available. The label values follow the official
    AdaptSegNet code: source 0, target 1 (the paper's Eq. (2) writes z=1 for
    source; the objective is the same up to naming).

    Args:
        gan_type (str): ``'vanilla'`` (BCE with logits), ``'lsgan'`` (MSE),
            ``'hinge'`` or any other type mmagic's GANLoss supports.
        source_label (float): Target value of source samples. Defaults to 0.
        target_label (float): Target value of target samples. Defaults to 1.
    """

    def __init__(self,
                 gan_type: str = 'vanilla',
                 source_label: float = 0.0,
                 target_label: float = 1.0) -> None:
        super().__init__()
        self.gan_type = gan_type
        self.gan_loss = GANLoss(
            gan_type,
            real_label_val=source_label,
            fake_label_val=target_label,
            loss_weight=1.0)

    def forward(self, disc_out: Tensor, domain: str, is_disc: bool) -> Tensor:
        """Loss of discriminator logits ``disc_out`` labelled ``domain``.

        Args:
            disc_out (Tensor): Discriminator output (logits).
            domain (str): ``'source'`` or ``'target'``: the label the loss
                pushes ``disc_out`` towards (for ``is_disc=False`` this is
                the domain the generator wants to be mistaken for).
            is_disc (bool): Whether the loss trains the discriminator (only
                matters for the hinge loss).
        """
        if domain not in DOMAINS:
            raise ValueError(f'domain must be one of {DOMAINS}, got {domain}')
        return self.gan_loss(disc_out, domain == 'source', is_disc=is_disc)

"""PatchGAN discriminator (Isola et al., CVPR 2017) for UDA models."""
from typing import Optional

from mmagic.models.archs import PatchDiscriminator

from udaplug.registry import MODELS
from ..utils.gaussian_init import GaussianInitMixin


@MODELS.register_module()
class PatchGANDiscriminator(GaussianInitMixin, PatchDiscriminator):
    """mmagic's :class:`~mmagic.models.archs.PatchDiscriminator` (4x4
    convs, LeakyReLU 0.2, three stride-2 convs then two stride-1 convs; a
    70x70 receptive field with ``num_conv=3``) returning a map of logits.

    Same arguments, layers and state-dict keys as mmagic's; this class
    records ``in_channels`` (checked by the UDA models at build time), uses
    instance normalisation by default (CycleGAN's ``--norm instance``;
    mmagic's default BatchNorm is ill-suited to batches of one image) and
    initialises weights from N(0, 0.02) in a way that also works inside
    another model (see :class:`ResnetTransformGenerator`).

    Args:
        in_channels (int): Input channels (3 for images, C + 1 for GIO-Ada's
            joint semantics + depth output space).
        base_channels (int): Channels of the first conv. Defaults to 64.
        num_conv (int): Stride-2 convs after the first. Defaults to 3.
        norm_cfg (dict): Defaults to ``dict(type='IN')``.
        init_cfg (dict, optional): Defaults to ``dict(type='normal',
            gain=0.02)``.
    """

    def __init__(self,
                 in_channels: int,
                 base_channels: int = 64,
                 num_conv: int = 3,
                 norm_cfg: dict = dict(type='IN'),
                 init_cfg: Optional[dict] = dict(type='normal', gain=0.02)):
        super().__init__(
            in_channels,
            base_channels=base_channels,
            num_conv=num_conv,
            norm_cfg=norm_cfg,
            init_cfg=init_cfg)
        self.in_channels = in_channels

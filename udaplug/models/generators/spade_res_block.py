"""Residual block with instance norm, optionally denormalised by SPADE
(Musto & Zinelli, BMVC 2020, App. B Table 5)."""
from typing import Optional

from mmcv.cnn import ConvModule
from torch import Tensor, nn

from udaplug.registry import MODELS
from .spade import SPADE


@MODELS.register_module()
class SPADEResBlock(nn.Module):
    """``x + N2(conv2(ReLU(N1(conv1(x)))))`` with 3x3 convs of ``channels``
    channels.

    The residual blocks of Table 5 (App. B): the generator's blocks use
    "IN+SPADE" (``label_channels`` given: each N is :class:`SPADE`,
    instance norm without affine parameters followed by the per-pixel
    modulation from the semantic map); the encoder's blocks, and the
    generator's in the "no SPADE" ablation (Table 3), use plain instance
    norm (``label_channels=None``).

    Layout (not spelled out in the paper, which says its architectures
    follow "the schemes adopted by CycleGAN and UNIT"): UNIT/MUNIT's
    ``ResBlock``, conv -> norm -> ReLU -> conv -> norm, plus the identity,
    with reflection padding; every conv spectrally normalised (Sec. 4,
    "We apply Spectral Normalization to all the models") with mmcv's
    ``ConvModule(with_spectral_norm=True)``, without bias (a bias before
    instance norm has no effect).

    Args:
        channels (int): Input and output channels (256 in Table 5).
        label_channels (int, optional): Channels of the semantic map (the
            segmentor's classes) for SPADE; None for instance norm only.
        spade_cfg (dict, optional): Other :class:`SPADE` arguments
            (``hidden_channels``, ``kernel_size``, ``resize_mode``,
            ``gamma_offset``).
        kernel_size (int): Defaults to 3 (Table 5).
        padding_mode (str): Defaults to ``'reflect'`` (UNIT/MUNIT).
        with_spectral_norm (bool): Defaults to True (Sec. 4).
    """

    def __init__(self,
                 channels: int,
                 label_channels: Optional[int] = None,
                 spade_cfg: Optional[dict] = None,
                 kernel_size: int = 3,
                 padding_mode: str = 'reflect',
                 with_spectral_norm: bool = True):
        super().__init__()
        self.channels = channels
        self.label_channels = label_channels
        self.with_spade = label_channels is not None

        def conv():
            return ConvModule(
                channels,
                channels,
                kernel_size,
                padding=kernel_size // 2,
                bias=False,
                norm_cfg=None,
                act_cfg=None,
                with_spectral_norm=with_spectral_norm,
                padding_mode=padding_mode)

        def norm():
            if self.with_spade:
                return SPADE(channels, label_channels, **(spade_cfg or {}))
            return nn.InstanceNorm2d(channels, affine=False)

        self.conv1, self.norm1 = conv(), norm()
        self.conv2, self.norm2 = conv(), norm()
        self.activate = nn.ReLU()

    def _norm(self, norm: nn.Module, x: Tensor,
              segmap: Optional[Tensor]) -> Tensor:
        return norm(x, segmap) if self.with_spade else norm(x)

    def forward(self, x: Tensor, segmap: Optional[Tensor] = None) -> Tensor:
        """(N, C', H', W') activations (and, with SPADE, the (N, C, H, W)
        semantic map) -> (N, C', H', W')."""
        if self.with_spade and segmap is None:
            raise ValueError('SPADEResBlock with SPADE needs the semantic '
                             'map (segmap=None)')
        out = self.activate(self._norm(self.norm1, self.conv1(x), segmap))
        out = self._norm(self.norm2, self.conv2(out), segmap)
        return x + out

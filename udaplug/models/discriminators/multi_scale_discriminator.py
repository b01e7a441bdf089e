"""Multi-scale PatchGAN image discriminator (Wang et al., pix2pixHD, CVPR
2018) in the layout of Musto & Zinelli, BMVC 2020, App. B Table 5."""
from typing import List, Optional, Sequence

import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from udaplug.registry import MODELS


@MODELS.register_module()
class MultiScaleDiscriminator(BaseModule):
    """``num_scales`` identical patch discriminators; scale ``i`` sees the
    image downsampled ``i`` times.

    Each scale (Table 5 "Discriminator (x3)"): 4x4 stride-2 convs with
    ``channels`` = 64-128-256-512 outputs and LeakyReLU(0.2), no
    normalisation, then a 1x1 conv to one channel; every conv spectrally
    normalised (mmcv's ``ConvModule(with_spectral_norm=True)``). The
    output of each scale is a map of raw scores (LSGAN, Sec. 4).

    Between scales the image is downsampled by
    ``avg_pool2d(kernel 3, stride 2, padding 1, count_include_pad=False)``,
    as in UNIT/MUNIT's ``MsImageDis`` and the SPADE/pix2pixHD
    ``MultiscaleDiscriminator`` (the paper says only "discriminators for
    multiple scales [48]"). Padding of the convs: zeros, as the
    pix2pixHD/SPADE patch discriminators (not stated in the paper; UNIT's
    reflection padding fails on the few-pixel maps of the coarsest scale
    of small crops).

    :meth:`forward` returns a list with one (N, 1, h_i, w_i) map per scale
    (finest first); :class:`MultiScaleAdversarialLoss` sums a loss over
    them.

    Args:
        in_channels (int): Input channels (3 for images).
        channels (Sequence[int]): Output channels of the stride-2 convs.
            Defaults to (64, 128, 256, 512).
        num_scales (int): Defaults to 3 (Table 5: "x3").
        negative_slope (float): LeakyReLU slope. Defaults to 0.2.
        padding_mode (str): Defaults to ``'zeros'``.
        with_spectral_norm (bool): Defaults to True (Sec. 4).
        init_cfg (dict, optional): mmengine init config; by default the
            convs keep ``ConvModule``'s Kaiming initialisation (scale
            irrelevant under spectral normalisation).
    """

    def __init__(self,
                 in_channels: int = 3,
                 channels: Sequence[int] = (64, 128, 256, 512),
                 num_scales: int = 3,
                 negative_slope: float = 0.2,
                 padding_mode: str = 'zeros',
                 with_spectral_norm: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        if num_scales < 1:
            raise ValueError(f'MultiScaleDiscriminator: num_scales must be '
                             f'>= 1, got {num_scales}')
        self.in_channels = in_channels
        self.num_scales = num_scales
        self.channels = tuple(channels)

        def scale():
            layers, prev = [], in_channels
            for out in self.channels:
                layers.append(
                    ConvModule(
                        prev,
                        out,
                        4,
                        stride=2,
                        padding=1,
                        norm_cfg=None,
                        act_cfg=dict(
                            type='LeakyReLU', negative_slope=negative_slope),
                        with_spectral_norm=with_spectral_norm,
                        padding_mode=padding_mode))
                prev = out
            layers.append(
                ConvModule(
                    prev,
                    1,
                    1,
                    norm_cfg=None,
                    act_cfg=None,
                    with_spectral_norm=with_spectral_norm))
            return nn.Sequential(*layers)

        self.scales = nn.ModuleList(scale() for _ in range(num_scales))

    @staticmethod
    def downsample(x: Tensor) -> Tensor:
        """The input of the next scale."""
        return F.avg_pool2d(
            x, kernel_size=3, stride=2, padding=1, count_include_pad=False)

    def forward(self, x: Tensor) -> List[Tensor]:
        """(N, in_channels, H, W) -> [(N, 1, H/16, W/16), (N, 1, H/32,
        W/32), ...] (with the default four stride-2 convs)."""
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'MultiScaleDiscriminator expects {self.in_channels} input '
                f'channels, got {x.shape[1]}')
        outputs = []
        for i, disc in enumerate(self.scales):
            if i:
                x = self.downsample(x)
            outputs.append(disc(x))
        return outputs

"""Per-domain image encoder of the coupled translation network (Musto &
Zinelli, BMVC 2020, Sec. 3.1 and App. B Table 5)."""
from typing import Optional

from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from udaplug.registry import MODELS
from .spade_res_block import SPADEResBlock


@MODELS.register_module()
class ContentEncoder(BaseModule):
    """Encoder E_S / E_T: image -> latent code z of the shared latent space
    (UNIT/MUNIT's content encoder, the layout of Table 5 "Encoder").

    ==========  ======  ========  ===========  =====  ====  ==
    kernel      stride  channels  residual     act    norm  SN
    ==========  ======  ========  ===========  =====  ====  ==
    7           1       3 -> 64   -            ReLU   IN    x
    4           2       64 -> 128 -            ReLU   IN    x
    4           2       128->256  -            ReLU   IN    x
    3 (x4)      1       256->256  block        ReLU   IN    x
    ==========  ======  ========  ===========  =====  ====  ==

    Every conv is mmcv's ``ConvModule(with_spectral_norm=True)`` with
    instance norm (no affine parameters) and ReLU; reflection padding as
    UNIT/MUNIT (not stated in the paper); the residual blocks are
    :class:`SPADEResBlock` without SPADE. The output has
    ``base_channels * 2**num_downsamples`` channels at 1/2**num_downsamples
    of the input size (inputs whose sides are not multiples of
    2**num_downsamples are the caller's to pad).

    Args:
        in_channels (int): Image channels. Defaults to 3.
        base_channels (int): Channels of the first conv. Defaults to 64.
        num_downsamples (int): Stride-2 4x4 convs. Defaults to 2.
        num_res_blocks (int): Residual blocks. Defaults to 4.
        padding_mode (str): Defaults to ``'reflect'``.
        with_spectral_norm (bool): Defaults to True (Sec. 4).
        init_cfg (dict, optional): mmengine init config; by default the
            convs keep ``ConvModule``'s Kaiming initialisation (its scale
            does not matter under spectral normalisation).
    """

    def __init__(self,
                 in_channels: int = 3,
                 base_channels: int = 64,
                 num_downsamples: int = 2,
                 num_res_blocks: int = 4,
                 padding_mode: str = 'reflect',
                 with_spectral_norm: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        self.in_channels = in_channels
        self.downsample_factor = 2**num_downsamples
        common = dict(
            norm_cfg=dict(type='IN'),
            act_cfg=dict(type='ReLU'),
            with_spectral_norm=with_spectral_norm,
            padding_mode=padding_mode)
        layers = [
            ConvModule(in_channels, base_channels, 7, padding=3, **common)
        ]
        channels = base_channels
        for _ in range(num_downsamples):
            layers.append(
                ConvModule(
                    channels, channels * 2, 4, stride=2, padding=1, **common))
            channels *= 2
        self.downsample = nn.Sequential(*layers)
        self.res_blocks = nn.Sequential(*[
            SPADEResBlock(
                channels,
                label_channels=None,
                padding_mode=padding_mode,
                with_spectral_norm=with_spectral_norm)
            for _ in range(num_res_blocks)
        ])
        self.out_channels = channels

    def forward(self, x: Tensor) -> Tensor:
        """(N, in_channels, H, W) image in [-1, 1] -> (N, out_channels,
        H / f, W / f) latent code, f = 2**num_downsamples."""
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'ContentEncoder expects {self.in_channels} input channels, '
                f'got {x.shape[1]}')
        return self.res_blocks(self.downsample(x))

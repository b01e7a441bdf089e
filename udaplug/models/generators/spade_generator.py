"""The semantically adaptive (SPADE) generator of Musto & Zinelli, BMVC
2020 (Sec. 3.2, App. B Table 5)."""
from typing import Optional

from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from udaplug.registry import MODELS
from .spade_res_block import SPADEResBlock


@MODELS.register_module()
class SPADEGenerator(BaseModule):
    """Generator G_S / G_T: latent code z + semantic map m -> image,
    ``x_{A->B} = G_B(E_A(x_A), M(x_A))`` (Sec. 3.1).

    Table 5 "Generator":

    ============  ======  ==========  ========  ========  =====  ==========
    kernel        stride  channels    upsample  residual  act    norm
    ============  ======  ==========  ========  ========  =====  ==========
    3 (x3)        1       256 -> 256  -         block     ReLU   IN+SPADE
    3             1       256 -> 256  2x        block     ReLU   IN+SPADE
    5             1       256 -> 128  2x        -         ReLU   LN
    5             1       128 -> 64   -         -         ReLU   LN
    7             1       64 -> 3     -         -         Tanh   -
    ============  ======  ==========  ========  ========  =====  ==========

    "Output upsampling" is 2x nearest-neighbour upsampling of a layer's
    output, so the layers run: residual blocks (:class:`SPADEResBlock` with
    :class:`SPADE`), then per upsampling step ``Upsample(2, nearest)`` and a
    5x5 conv halving the channels with layer norm and ReLU, then the 7x7
    conv to the image with tanh. Every conv is spectrally normalised
    (Sec. 4) through mmcv's ``ConvModule(with_spectral_norm=True)``.

    Layer norm is that of UNIT/MUNIT's decoder (Ba et al.): per sample over
    (C, H, W), with a per-channel affine. mmcv's ``'LN'`` is
    ``nn.LayerNorm`` over the last dimension only, so it is built as
    ``GroupNorm`` with one group, which is exactly that normalisation.

    ``with_spade=False`` gives the generator of the "no SPADE" ablation
    (Table 3): residual blocks with instance norm only; the semantic map is
    then not used.

    Args:
        in_channels (int): Latent channels (256). Defaults to 256.
        label_channels (int): Channels of the semantic map: the segmentor's
            number of classes (its unnormalised logits, App. A).
        out_channels (int): Image channels. Defaults to 3.
        num_res_blocks (int): Defaults to 4.
        num_upsamples (int): Defaults to 2 (undoes the encoder's two
            stride-2 convs).
        upsample_kernel_size (int): Defaults to 5.
        with_spade (bool): IN+SPADE residual blocks (True, default) or IN
            only (ablation).
        spade_cfg (dict, optional): :class:`SPADE` arguments
            (``hidden_channels``, ``kernel_size``, ``resize_mode``,
            ``gamma_offset``).
        padding_mode (str): Defaults to ``'reflect'`` (UNIT/MUNIT).
        with_spectral_norm (bool): Defaults to True.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 label_channels: int,
                 in_channels: int = 256,
                 out_channels: int = 3,
                 num_res_blocks: int = 4,
                 num_upsamples: int = 2,
                 upsample_kernel_size: int = 5,
                 with_spade: bool = True,
                 spade_cfg: Optional[dict] = None,
                 padding_mode: str = 'reflect',
                 with_spectral_norm: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.label_channels = label_channels
        self.with_spade = bool(with_spade)
        self.upsample_factor = 2**num_upsamples
        self.res_blocks = nn.ModuleList(
            SPADEResBlock(
                in_channels,
                label_channels=label_channels if self.with_spade else None,
                spade_cfg=spade_cfg,
                padding_mode=padding_mode,
                with_spectral_norm=with_spectral_norm)
            for _ in range(num_res_blocks))
        layers = []
        channels = in_channels
        for _ in range(num_upsamples):
            layers += [
                nn.Upsample(scale_factor=2, mode='nearest'),
                ConvModule(
                    channels,
                    channels // 2,
                    upsample_kernel_size,
                    padding=upsample_kernel_size // 2,
                    norm_cfg=dict(type='GN', num_groups=1),
                    act_cfg=dict(type='ReLU'),
                    with_spectral_norm=with_spectral_norm,
                    padding_mode=padding_mode)
            ]
            channels //= 2
        layers.append(
            ConvModule(
                channels,
                out_channels,
                7,
                padding=3,
                norm_cfg=None,
                act_cfg=dict(type='Tanh'),
                with_spectral_norm=with_spectral_norm,
                padding_mode=padding_mode))
        self.upsample = nn.Sequential(*layers)

    def forward(self, z: Tensor, segmap: Optional[Tensor] = None) -> Tensor:
        """(N, in_channels, h, w) latent code and the (N, C, H, W)
        semantic map (any size; SPADE resizes it) -> (N, out_channels,
        h * 2**num_upsamples, w * 2**num_upsamples) image in [-1, 1]."""
        if z.shape[1] != self.in_channels:
            raise ValueError(f'SPADEGenerator expects a latent code with '
                             f'{self.in_channels} channels, got {z.shape[1]}')
        if self.with_spade and segmap is None:
            raise ValueError('SPADEGenerator(with_spade=True) needs the '
                             'semantic map (segmap=None)')
        out = z
        for block in self.res_blocks:
            out = block(out, segmap if self.with_spade else None)
        return self.upsample(out)

"""DAFormer's context-aware multi-level feature fusion decoder."""
from typing import List, Sequence

import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.aspp_head import ASPPModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.decode_heads.sep_aspp_head import \
    DepthwiseSeparableASPPModule
from mmseg.models.utils import resize
from torch import Tensor, nn

from udaplug.registry import MODELS

FUSIONS = ('aspp', 'conv')


@MODELS.register_module()
class DAFormerHead(BaseDecodeHead):
    """The DAFormer decoder (Hoyer et al., CVPR 2022, Sec. 3, "DAFormer
    Network Architecture", Fig. 2; official
    ``mmseg/models/decode_heads/daformer_head.py`` with the config
    ``configs/_base_/models/daformer_sepaspp_mitb5.py``):

    1. each encoder level ``F_i`` (e.g. the four MiT stages) is embedded to
       ``embed_dims`` channels by a linear layer applied to every position
       (the official ``MLP``, written here as the equivalent 1x1
       convolution with bias, no norm, no activation);
    2. the embeddings are upsampled bilinearly to the size of the first
       level (1/4 of the input) and concatenated;
    3. context-aware fusion (``fusion='aspp'``): an ASPP over the
       concatenation, without image pooling, with ``fusion_dilations``
       (official: 1, 6, 12, 18), depthwise separable 3x3 convolutions for
       the dilated branches (``fusion_separable``; the dilation-1 branch is
       a 1x1 convolution), every branch ``channels`` wide with
       ``norm_cfg`` and ReLU, then a 3x3 bottleneck convolution to
       ``channels`` (norm, ReLU);
    4. dropout and a 1x1 classifier (:class:`BaseDecodeHead`'s
       ``cls_seg``).

    ``fusion='conv'`` replaces 3. by one ``fusion_kernel_size`` convolution
    (norm, ReLU): with ``embed_dims=768, channels=768`` this is the
    SegFormer decoder of DAFormer's ablations (its ``SegFormerHead``), with
    ``embed_dims=256`` its "SegF. with C_e=256" row.

    mmseg has the building blocks (``ASPPModule``,
    ``DepthwiseSeparableASPPModule``, ``ConvModule``) but not this decoder,
    hence this module.

    Args:
        embed_dims (int | Sequence[int]): Embedding width per level.
            DAFormer: 256.
        fusion (str): ``'aspp'`` (DAFormer) or ``'conv'``.
        fusion_dilations (Sequence[int]): ASPP dilations. DAFormer:
            (1, 6, 12, 18).
        fusion_separable (bool): Depthwise separable ASPP convs. DAFormer:
            True.
        fusion_kernel_size (int): Kernel of ``fusion='conv'``.
        **kwargs: :class:`BaseDecodeHead` arguments (``in_channels`` and
            ``in_index`` as lists, ``channels``, ``num_classes``,
            ``norm_cfg``, ``dropout_ratio``, ``align_corners``,
            ``loss_decode``, ...).
    """

    def __init__(self,
                 embed_dims=256,
                 fusion: str = 'aspp',
                 fusion_dilations: Sequence[int] = (1, 6, 12, 18),
                 fusion_separable: bool = True,
                 fusion_kernel_size: int = 1,
                 **kwargs) -> None:
        kwargs.setdefault('input_transform', 'multiple_select')
        super().__init__(**kwargs)
        if self.input_transform != 'multiple_select':
            raise ValueError('DAFormerHead fuses several levels: '
                             'input_transform must be "multiple_select"')
        if fusion not in FUSIONS:
            raise ValueError(f'DAFormerHead: fusion must be one of '
                             f'{FUSIONS}, got "{fusion}"')
        if self.align_corners:
            raise ValueError('DAFormerHead: the official decoder upsamples '
                             'with align_corners=False')
        levels = len(self.in_channels)
        if isinstance(embed_dims, int):
            embed_dims = [embed_dims] * levels
        if len(embed_dims) != levels:
            raise ValueError(
                f'DAFormerHead: {len(embed_dims)} embed_dims for {levels} '
                'input levels')
        self.embed_dims = list(embed_dims)
        self.embed_layers = nn.ModuleList([
            nn.Conv2d(c, e, kernel_size=1)
            for c, e in zip(self.in_channels, self.embed_dims)
        ])
        fused = sum(self.embed_dims)
        self.fusion = fusion
        act_cfg = dict(type='ReLU')
        if fusion == 'aspp':
            aspp = DepthwiseSeparableASPPModule if fusion_separable \
                else ASPPModule
            self.fusion_aspp = aspp(
                dilations=tuple(fusion_dilations),
                in_channels=fused,
                channels=self.channels,
                conv_cfg=None,
                norm_cfg=self.norm_cfg,
                act_cfg=act_cfg)
            self.fusion_bottleneck = ConvModule(
                len(fusion_dilations) * self.channels,
                self.channels,
                kernel_size=3,
                padding=1,
                norm_cfg=self.norm_cfg,
                act_cfg=act_cfg)
        else:
            self.fusion_conv = ConvModule(
                fused,
                self.channels,
                kernel_size=fusion_kernel_size,
                padding=fusion_kernel_size // 2,
                norm_cfg=self.norm_cfg,
                act_cfg=act_cfg)

    def fuse(self, inputs: List[Tensor]) -> Tensor:
        """Steps 1-3: the fused feature map at the first level's size."""
        x = self._transform_inputs(inputs)
        size = x[0].shape[2:]
        embedded = []
        for feat, embed in zip(x, self.embed_layers):
            e = embed(feat)
            if e.shape[2:] != size:
                e = resize(
                    e,
                    size=size,
                    mode='bilinear',
                    align_corners=self.align_corners)
            embedded.append(e)
        x = torch.cat(embedded, dim=1)
        if self.fusion == 'aspp':
            return self.fusion_bottleneck(
                torch.cat(self.fusion_aspp(x), dim=1))
        return self.fusion_conv(x)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        return self.cls_seg(self.fuse(inputs))

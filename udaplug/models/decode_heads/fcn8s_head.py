"""The FCN-8s skip architecture (Long, Shelhamer and Darrell, CVPR 2015,
Sec. 4.2 and Fig. 3) as an mmseg decode head."""
from typing import Sequence

import numpy as np
import torch
import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from torch import Tensor

from udaplug.registry import MODELS


def bilinear_upsampling_weight(channels: int, kernel_size: int) -> Tensor:
    """(channels, channels, k, k) weight of a transposed convolution that
    upsamples every channel on its own by bilinear interpolation (FCN's
    ``surgery.upsample_filt``)."""
    factor = (kernel_size + 1) // 2
    center = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    og = np.ogrid[:kernel_size, :kernel_size]
    filt = (1 - abs(og[0] - center) / factor) * \
        (1 - abs(og[1] - center) / factor)
    weight = np.zeros((channels, channels, kernel_size, kernel_size),
                      dtype=np.float32)
    weight[range(channels), range(channels)] = filt
    return torch.from_numpy(weight)


@MODELS.register_module()
class FCN8sHead(BaseDecodeHead):
    """FCN-8s: class scores from fc7, pool4 and pool3 of :class:`FCNVGG`,
    fused coarse to fine.

    ::

        s32 = score_fr(fc7)                               1x1 conv
        s16 = upscore2(s32) + crop(score_pool4(a4 * pool4), 5)
        s8  = upscore_pool4(s16) + crop(score_pool3(a3 * pool3), 9)
        out = crop(upscore8(s8), 31)[:, :, :H, :W]

    ``upscore2``/``upscore_pool4`` are 4x4 stride-2 and ``upscore8`` a 16x16
    stride-8 transposed convolution initialised to bilinear interpolation;
    the crop offsets 5, 9 and 31 align the maps given conv1_1's padding of
    100 (the FCN nets; BDL's ``model/fcn8s.py``). The output has the input
    size, recovered from pool3 as ``8 * size(pool3) - 200``, which
    :class:`FCNVGG` guarantees by accepting only sides that are multiples
    of 8.

    Differences between the FCN releases, as options:

    * ``skip_scales=(0.01, 0.0001)`` (default): pool4 and pool3 scaled
      before scoring, the "at-once" FCN-8s (``voc-fcn8s-atonce``) that BDL
      uses; ``(1, 1)`` gives the staged FCN-8s of the paper.
    * ``learn_upsampling=False`` (default): the transposed convolutions
      stay bilinear (their ``requires_grad`` is off), as in the released
      nets (``lr_mult: 0``) and BDL, whose optimiser leaves them out; the
      paper's Sec. 4.2 learns the 2x ones.
    * Scoring layers (``score_fr``, ``score_pool4``, ``score_pool3``) are
      zero-initialised (FCN paper Sec. 4.3: "class scoring layer
      initialized to zero").

    State-dict keys follow BDL's ``FCN8s``: ``score_fr``, ``score_pool4``,
    ``score_pool3``, ``upscore2``, ``upscore_pool4``, ``upscore8``.

    Args:
        in_channels (Sequence[int]): Channels of (pool3, pool4, fc7), e.g.
            (256, 512, 4096).
        num_classes (int): Number of classes.
        in_index (Sequence[int]): Indices of (pool3, pool4, fc7) in the
            backbone's outputs. Defaults to (0, 1, 2).
        skip_scales (Sequence[float]): Scales of (pool4, pool3). Defaults to
            (0.01, 0.0001).
        learn_upsampling (bool): Train the transposed convolutions.
            Defaults to False.
        dropout_ratio (float): Dropout on fc7 before ``score_fr``.
            Defaults to 0 (FCNVGG already applies FCN's drop7).
        init_cfg (dict, optional): mmengine init config; None keeps the
            initialisation described above.
        **kwargs: Other :class:`BaseDecodeHead` arguments (``loss_decode``,
            ``ignore_index``, ``align_corners`` ...).
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 num_classes: int,
                 in_index: Sequence[int] = (0, 1, 2),
                 skip_scales: Sequence[float] = (0.01, 0.0001),
                 learn_upsampling: bool = False,
                 dropout_ratio: float = 0.0,
                 init_cfg=None,
                 **kwargs):
        if len(in_channels) != 3 or len(in_index) != 3:
            raise ValueError(
                'FCN8sHead takes three feature maps (pool3, pool4, fc7): '
                f'got in_channels={in_channels}, in_index={in_index}')
        kwargs.pop('channels', None)
        super().__init__(
            list(in_channels),
            in_channels[-1],
            num_classes=num_classes,
            in_index=list(in_index),
            input_transform='multiple_select',
            dropout_ratio=dropout_ratio,
            init_cfg=init_cfg,
            **kwargs)
        del self.conv_seg  # the scoring layers below replace it
        c3, c4, c7 = in_channels
        n = self.out_channels
        self.skip_scales = tuple(float(s) for s in skip_scales)
        self.learn_upsampling = learn_upsampling
        self.score_fr = nn.Conv2d(c7, n, 1)
        self.score_pool4 = nn.Conv2d(c4, n, 1)
        self.score_pool3 = nn.Conv2d(c3, n, 1)
        self.upscore2 = nn.ConvTranspose2d(n, n, 4, stride=2, bias=False)
        self.upscore_pool4 = nn.ConvTranspose2d(n, n, 4, stride=2, bias=False)
        self.upscore8 = nn.ConvTranspose2d(n, n, 16, stride=8, bias=False)
        self._reset_scoring_layers()
        if not learn_upsampling:
            for up in self.upsampling_layers():
                up.weight.requires_grad_(False)

    def upsampling_layers(self):
        return (self.upscore2, self.upscore_pool4, self.upscore8)

    def _reset_scoring_layers(self) -> None:
        for conv in (self.score_fr, self.score_pool4, self.score_pool3):
            nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)
        for up in self.upsampling_layers():
            with torch.no_grad():
                up.weight.copy_(
                    bilinear_upsampling_weight(self.out_channels,
                                               up.kernel_size[0]))

    def init_weights(self) -> None:
        if not self.init_cfg:
            self._reset_scoring_layers()
        super().init_weights()

    @staticmethod
    def _crop(x: Tensor, offset: int, size) -> Tensor:
        return x[:, :, offset:offset + size[0], offset:offset + size[1]]

    def forward(self, inputs) -> Tensor:
        pool3, pool4, fc7 = self._transform_inputs(inputs)
        if self.dropout is not None:
            fc7 = self.dropout(fc7)
        upscore2 = self.upscore2(self.score_fr(fc7))
        score_pool4 = self._crop(
            self.score_pool4(pool4 * self.skip_scales[0]), 5,
            upscore2.shape[2:])
        upscore_pool4 = self.upscore_pool4(upscore2 + score_pool4)
        score_pool3 = self._crop(
            self.score_pool3(pool3 * self.skip_scales[1]), 9,
            upscore_pool4.shape[2:])
        out = self.upscore8(upscore_pool4 + score_pool3)
        size = (8 * pool3.shape[2] - 200, 8 * pool3.shape[3] - 200)
        return self._crop(out, 31, size).contiguous()

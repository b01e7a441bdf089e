"""PatchGAN discriminator with a stride per layer (image- and feature-level
discriminators of Toldo et al.)."""
import math
from typing import Optional, Sequence, Union

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from udaplug.registry import MODELS
from ..utils.gaussian_init import GaussianInitMixin


class SamePad2d(nn.Module):
    """Zero padding of TensorFlow's ``padding='SAME'``: the output has
    ``ceil(size / stride)`` pixels; an odd total padding puts the extra pixel
    at the bottom/right. For a 4x4 stride-1 conv that is (1, 2) on each
    axis, for stride 2 on an even size (1, 1)."""

    def __init__(self, kernel_size: int, stride: int) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride

    @staticmethod
    def amounts(size: int, kernel_size: int, stride: int) -> tuple:
        """(before, after) padding of one axis of ``size`` pixels."""
        out = math.ceil(size / stride)
        total = max((out - 1) * stride + kernel_size - size, 0)
        return total // 2, total - total // 2

    def forward(self, x: Tensor) -> Tensor:
        top, bottom = self.amounts(x.shape[-2], self.kernel_size, self.stride)
        left, right = self.amounts(x.shape[-1], self.kernel_size, self.stride)
        return F.pad(x, (left, right, top, bottom))

    def extra_repr(self) -> str:
        return f'kernel_size={self.kernel_size}, stride={self.stride}'


@MODELS.register_module()
class StridedPatchDiscriminator(GaussianInitMixin, BaseModule):
    """A fully convolutional (PatchGAN) discriminator whose every layer has
    its own stride: 4x4 convs with ``channels`` outputs and ``strides``
    strides, without bias, LeakyReLU 0.2, normalisation after every conv but
    the first, then a 4x4 stride-1 conv with bias to one logit per position
    (official ``cyclegan/ops.py``: ``Ck`` and ``last_conv``).

    Toldo et al. (Sec. 4) use CycleGAN's discriminator structure twice:

    * image discriminators D_S, D_T: the official code
      (``cyclegan/discriminator_img.py``) has four stride-2 convs 64-128-256
      -512 (``strides=(2, 2, 2, 2)``);
    * feature discriminators D'_S, D'_T on the segmentor's encoder output:
      "the same structure ... but we modify the stride value to 1 for all
      layers" (``strides=(1, 1, 1, 1)``; official
      ``cyclegan/discriminator_feat.py``, ``--stride_list 1 1 1 1``).

    udaplug writes this module because mmagic's ``PatchDiscriminator`` (and
    udaplug's :class:`PatchGANDiscriminator`) fixes the strides (``num_conv``
    stride-2 convs, then a stride-1 one) and pads every 4x4 conv by one
    pixel, so that each stride-1 layer shrinks the map by a pixel: it can
    express neither the stride-1 feature discriminator on a 38x38 map (a
    600x600 crop at output stride 16) nor the official image discriminator.

    Args:
        in_channels (int): Input channels (3 for images; the encoder's output
            channels, 320 for MobileNet-v2, for features).
        channels (Sequence[int]): Output channels of the strided convs.
            Defaults to (64, 128, 256, 512) (official ``channel_list``).
        strides (Sequence[int]): Their strides, one per conv. Defaults to
            (1, 1, 1, 1) (the feature discriminator).
        norm_cfg (dict, optional): Normalisation after every conv but the
            first. Defaults to instance norm with learnable scale and offset,
            as the official ``ops._instance_norm``.
        padding (str | int): ``'same'`` (default): TensorFlow's SAME padding
            of the official code, the output has ``ceil(size / stride)``
            positions per axis; an int: symmetric zero padding of every conv
            (1 is PyTorch CycleGAN's).
        init_cfg (dict, optional): ``dict(type='normal', gain=0.02)``
            (official ``ops._weights``: N(0, 0.02), biases 0, instance-norm
            scales N(1, 0.02)) or ``Pretrained``.
    """

    def __init__(self,
                 in_channels: int,
                 channels: Sequence[int] = (64, 128, 256, 512),
                 strides: Sequence[int] = (1, 1, 1, 1),
                 norm_cfg: Optional[dict] = dict(type='IN', affine=True),
                 padding: Union[str, int] = 'same',
                 init_cfg: Optional[dict] = dict(type='normal', gain=0.02)):
        super().__init__(init_cfg=init_cfg)
        if len(channels) != len(strides) or not channels:
            raise ValueError(
                f'{type(self).__name__}: channels {tuple(channels)} and '
                f'strides {tuple(strides)} need one entry per conv')
        if padding != 'same' and not isinstance(padding, int):
            raise ValueError(f'{type(self).__name__}: padding must be '
                             f'"same" or an int, got {padding!r}')
        self.in_channels = in_channels
        self.channels = tuple(channels)
        self.strides = tuple(strides)
        self.padding = padding
        layers = []
        prev = in_channels
        specs = list(zip(self.channels, self.strides)) + [(1, 1)]
        for i, (out, stride) in enumerate(specs):
            last = i == len(specs) - 1
            if padding == 'same':
                layers.append(SamePad2d(4, stride))
            layers.append(
                ConvModule(
                    prev,
                    out,
                    kernel_size=4,
                    stride=stride,
                    padding=0 if padding == 'same' else padding,
                    # official ops.Ck: no bias (the instance norm's offset
                    # follows); ops.last_conv: bias
                    bias=last or (i > 0 and norm_cfg is None),
                    norm_cfg=None if (i == 0 or last) else norm_cfg,
                    act_cfg=None if last else dict(
                        type='LeakyReLU', negative_slope=0.2)))
            prev = out
        self.model = nn.Sequential(*layers)
        self.init_type = 'normal' if init_cfg is None else init_cfg.get(
            'type', 'normal')
        self.init_gain = 0.02 if init_cfg is None else init_cfg.get(
            'gain', 0.02)

    @property
    def output_stride(self) -> int:
        """Input pixels per output position."""
        return math.prod(self.strides)

    def forward(self, x: Tensor) -> Tensor:
        """Logits (N, 1, ceil(H / s), ceil(W / s)) for ``x`` (N, C, H, W),
        ``s`` = :attr:`output_stride` (with ``padding='same'``)."""
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'{type(self).__name__}: built for {self.in_channels} input '
                f'channels, got an input with {x.shape[1]}')
        return self.model(x)

"""AdaptSegNet's fully-convolutional output-space discriminator."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from udaplug.registry import MODELS


@MODELS.register_module()
class FCDiscriminator(BaseModule):
    """Fully-convolutional discriminator of AdaptSegNet (Tsai et al. 2018).

    ``len(channels)`` convs (kernel 4, stride 2, padding 1), each followed
    by LeakyReLU, then a ``classifier`` conv to one channel (same kernel,
    stride and padding); no normalisation layers. The output is a map of
    logits (source vs. target) at 1/2**(len(channels)+1) of the input size,
    e.g. 1/32 with the default channels.

    The input is expected to be the *softmax* of the segmentation logits
    (usually upsampled to the image size); this module applies no softmax
    itself.

    The paper adds an upsampling layer that rescales the output to the input
    size; the official code has that layer commented out, and the released
    models were trained without it. ``upsample_to_input=False`` (default)
    follows the code, ``True`` follows the paper (bilinear).

    State-dict keys: ``convs.{i}.weight``/``convs.{i}.bias`` and
    ``classifier.weight``/``classifier.bias``. With ``init_cfg=None`` the
    convs keep PyTorch's default initialisation, as in the official code.

    Args:
        in_channels (int): Input channels, i.e. the number of classes.
        channels (Sequence[int]): Output channels of the hidden convs.
            Defaults to (64, 128, 256, 512).
        kernel_size (int): Defaults to 4.
        stride (int): Defaults to 2.
        padding (int): Defaults to 1.
        negative_slope (float): LeakyReLU slope. Defaults to 0.2.
        upsample_to_input (bool): Bilinearly resize the output to the spatial
            size of the input (paper). Defaults to False (official code).
        align_corners (bool): ``align_corners`` of that resize. Defaults to
            False.
        init_cfg (dict | list[dict], optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int,
                 channels: Sequence[int] = (64, 128, 256, 512),
                 kernel_size: int = 4,
                 stride: int = 2,
                 padding: int = 1,
                 negative_slope: float = 0.2,
                 upsample_to_input: bool = False,
                 align_corners: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        self.in_channels = in_channels
        self.channels = tuple(channels)
        self.negative_slope = negative_slope
        self.upsample_to_input = upsample_to_input
        self.align_corners = align_corners

        convs = []
        prev = in_channels
        for out in self.channels:
            convs.append(
                nn.Conv2d(
                    prev, out, kernel_size, stride=stride, padding=padding))
            prev = out
        self.convs = nn.ModuleList(convs)
        self.classifier = nn.Conv2d(
            prev, 1, kernel_size, stride=stride, padding=padding)
        self.activation = nn.LeakyReLU(negative_slope, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, in_channels, H, W) probabilities -> (N, 1, h, w) logits."""
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'FCDiscriminator expects {self.in_channels} input channels '
                f'(one per class), got {x.shape[1]}')
        out = x
        for conv in self.convs:
            out = self.activation(conv(out))
        out = self.classifier(out)
        if self.upsample_to_input:
            out = F.interpolate(
                out,
                size=x.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
        return out

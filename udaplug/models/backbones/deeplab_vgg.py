"""The VGG-16 DeepLab-v2 encoder used by GIO-Ada (Chen et al., CVPR 2019,
Sec. 3.5: "DeepLab-v2 model with VGG backbone").

The official GIO-Ada code was not available to check the exact layout; this
module follows the public DeepLab-v2 VGG port of AdaptSegNet
(``model/deeplab_vgg.py``), the usual VGG-16 baseline of the methods GIO-Ada
compares with (its Table 4):

* torchvision's (ImageNet) VGG-16 ``features``: conv1-conv5 with 2x2
  max-pools after conv1, conv2 and conv3 (output stride 8);
* pool4 and pool5 removed and conv5_1..conv5_3 dilated by 2;
* ``fc6``: 3x3 conv 512 -> 1024, dilation 4; ``fc7``: 3x3 conv
  1024 -> 1024, dilation 4; each followed by ReLU.

The ASPP classifiers live in the decode head
(:class:`~udaplug.models.decode_heads.JointSemanticDepthHead`).
"""
from typing import Optional, Tuple

import torch.nn as nn
from mmcv.cnn import VGG
from mmcv.cnn.vgg import make_vgg_layer
from mmengine.model import BaseModule
from torch import Tensor

from udaplug.registry import MODELS

POOL45_MODES = ('remove', 'stride1')


@MODELS.register_module()
class DeepLabVGG(BaseModule):
    """DeepLab-v2 VGG encoder (output stride 8).

    ``features`` is built with mmcv's VGG stage builder
    (:func:`mmcv.cnn.vgg.make_vgg_layer`, the layers of
    :class:`mmcv.cnn.VGG`) and keeps torchvision's module indices
    (``features.0`` = conv1_1, ..., ``features.28`` = conv5_3), so
    ``init_cfg=dict(type='Pretrained', checkpoint='torchvision://vgg16')``
    loads the ImageNet weights of conv1-conv5 directly (the classifier keys
    of that file are ignored). Removed pools are ``nn.Identity`` placeholders
    (no parameters), which is what keeps the indices; a checkpoint of
    AdaptSegNet's ``DeeplabVGG`` (pools deleted, later indices shifted by
    one) needs its keys renumbered before loading. ``fc6``/``fc7`` have no
    ImageNet counterpart and keep PyTorch's default initialisation, as in
    that code.

    Args:
        depth (int): VGG depth, 11/13/16/19. Defaults to 16 (GIO-Ada).
        base_channels (int): Channels of conv1; stage i has
            ``base_channels * 2**i`` channels, at most ``8 * base_channels``
            (64 = VGG). Smaller values give small demo/test models.
        conv5_dilation (int): Dilation of the conv5 convolutions. Defaults to
            2 (DeepLab-v2).
        pool45 (str): ``'remove'`` (default, AdaptSegNet's DeepLab-v2 VGG
            port) or ``'stride1'`` (the original DeepLab-v2 Caffe model:
            3x3 max-pools with stride 1 and padding 1 after conv4 and
            conv5).
        fc_channels (int): Channels of fc6/fc7. Defaults to 1024.
        fc_dilation (int): Dilation (= padding) of the 3x3 fc6/fc7.
            Defaults to 4.
        with_fc (bool): Build fc6/fc7. Without them the output is conv5.
            Defaults to True.
        init_cfg (dict, optional): mmengine init config, e.g. the
            ``torchvision://vgg16`` checkpoint above.
    """

    arch_settings = VGG.arch_settings

    def __init__(self,
                 depth: int = 16,
                 base_channels: int = 64,
                 conv5_dilation: int = 2,
                 pool45: str = 'remove',
                 fc_channels: int = 1024,
                 fc_dilation: int = 4,
                 with_fc: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if depth not in self.arch_settings:
            raise KeyError(f'DeepLabVGG: invalid depth {depth}, choose from '
                           f'{sorted(self.arch_settings)}')
        if pool45 not in POOL45_MODES:
            raise ValueError(f'DeepLabVGG: pool45 must be one of '
                             f'{POOL45_MODES}, got {pool45!r}')
        self.depth = depth
        self.base_channels = base_channels
        self.pool45 = pool45
        self.with_fc = with_fc

        layers = []
        in_channels = 3
        for stage, num_blocks in enumerate(self.arch_settings[depth]):
            channels = base_channels * 2**min(stage, 3)
            dilation = conv5_dilation if stage == 4 else 1
            stage_layers = make_vgg_layer(
                in_channels, channels, num_blocks, dilation=dilation)
            if stage >= 3:  # pool4 / pool5
                stage_layers[-1] = (
                    nn.Identity() if pool45 == 'remove' else nn.MaxPool2d(
                        kernel_size=3, stride=1, padding=1))
            layers += stage_layers
            in_channels = channels
        self.features = nn.Sequential(*layers)
        self.out_channels = in_channels

        if with_fc:
            self.fc6 = nn.Conv2d(
                in_channels,
                fc_channels,
                kernel_size=3,
                padding=fc_dilation,
                dilation=fc_dilation)
            self.fc7 = nn.Conv2d(
                fc_channels,
                fc_channels,
                kernel_size=3,
                padding=fc_dilation,
                dilation=fc_dilation)
            self.relu = nn.ReLU(inplace=True)
            self.out_channels = fc_channels

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """(N, 3, H, W) -> a 1-tuple with the (N, out_channels, H/8, W/8)
        features (fc7, or conv5 without fc layers)."""
        x = self.features(x)
        if self.with_fc:
            x = self.relu(self.fc6(x))
            x = self.relu(self.fc7(x))
        return (x, )

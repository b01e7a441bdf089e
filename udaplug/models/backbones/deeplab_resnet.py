"""The DeepLab-v2 ResNet used by AdaptSegNet.

mmseg's :class:`~mmseg.models.backbones.ResNet` already builds the same
modules under the same names as the official DeepLab-v2 PyTorch port
(``conv1``/``bn1`` stem, ``layerN.M.conv{1,2,3}``/``bn{1,2,3}`` and
``layerN.0.downsample.{0,1}``), and with ``style='caffe'`` it puts the stride
on the first 1x1 conv of a bottleneck. What differs is

* the stem max-pool: DeepLab-v2 rounds up (``ceil_mode=True``), so a 65x65
  input gives 17x17 after the stem instead of 16x16 (9x9 at output stride 8);
* the defaults: caffe style, strides (1, 2, 1, 1), dilations (1, 1, 2, 4)
  with the dilation applied to every block of a stage (no contraction),
  frozen BatchNorm affine parameters, and no zero-initialised residual BN
  (with frozen BN weights a zero ``bn3`` would switch the branch off for
  good).
"""
import torch.nn as nn
from mmseg.models.backbones import ResNet

from udaplug.registry import MODELS


@MODELS.register_module()
class DeepLabResNet(ResNet):
    """DeepLab-v2 ResNet (output stride 8) as in the AdaptSegNet code.

    All arguments of :class:`mmseg.models.backbones.ResNet` are accepted;
    only the defaults differ.

    Args:
        depth (int): 101 for DeepLab-v2/AdaptSegNet; 18/34/50/152 also work
            (18 and 34 use BasicBlock, for small demo models).
        strides (Sequence[int]): Stride of the first block of each stage.
            Defaults to (1, 2, 1, 1).
        dilations (Sequence[int]): Dilation of every block of each stage.
            Defaults to (1, 1, 2, 4).
        out_indices (Sequence[int]): Stages whose outputs are returned.
            Defaults to (2, 3): layer3 (1024 channels for depth >= 50; input
            of the auxiliary classifier) and layer4 (2048 channels; input of
            the main classifier).
        style (str): Defaults to 'caffe' (stride on the first 1x1 conv).
        norm_cfg (dict): Defaults to ``dict(type='BN', requires_grad=False)``
            i.e. frozen BN weight and bias, as in the official code.
        norm_eval (bool): Whether BN layers stay in eval mode (running
            statistics, no update) while the model trains. Defaults to False,
            which is what the official AdaptSegNet training does: it calls
            ``model.train()``, so BN normalises with the statistics of the
            (batch size 1) batch and keeps updating its running statistics;
            only the affine parameters are frozen. Set True to freeze the
            running statistics as well.
        ceil_mode (bool): ``ceil_mode`` of the stem max-pool (3x3, stride 2,
            padding 1). Defaults to True (DeepLab-v2); False gives mmseg's
            ResNet stem.
        zero_init_residual (bool): Defaults to False (see module docstring).
        contract_dilation (bool): Defaults to False.
    """

    def __init__(self,
                 depth=101,
                 strides=(1, 2, 1, 1),
                 dilations=(1, 1, 2, 4),
                 out_indices=(2, 3),
                 style='caffe',
                 norm_cfg=dict(type='BN', requires_grad=False),
                 norm_eval=False,
                 contract_dilation=False,
                 zero_init_residual=False,
                 ceil_mode=True,
                 **kwargs):
        super().__init__(
            depth=depth,
            strides=strides,
            dilations=dilations,
            out_indices=out_indices,
            style=style,
            norm_cfg=norm_cfg,
            norm_eval=norm_eval,
            contract_dilation=contract_dilation,
            zero_init_residual=zero_init_residual,
            **kwargs)
        self.ceil_mode = ceil_mode
        # Same slot in ``_modules`` as the parent's pool (it has no state).
        self.maxpool = nn.MaxPool2d(
            kernel_size=3, stride=2, padding=1, ceil_mode=ceil_mode)

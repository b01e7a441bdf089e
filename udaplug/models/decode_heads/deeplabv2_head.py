"""DeepLab-v2 ASPP classifier as used by AdaptSegNet."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from udaplug.registry import MODELS


@MODELS.register_module()
class DeepLabV2Head(BaseDecodeHead):
    """DeepLab-v2 ASPP classifier: parallel dilated 3x3 convs that map the
    input features straight to class logits; their outputs are summed.

    Unlike mmseg's heads there is no intermediate ``channels`` layer, no
    ``conv_seg`` and (by default) no dropout: each branch *is* a classifier.
    The branches live in ``self.aspp_convs`` (an ``nn.ModuleList`` of
    ``nn.Conv2d``), so the head's state-dict keys are
    ``aspp_convs.{i}.weight`` and ``aspp_convs.{i}.bias`` for
    ``i = 0 .. len(dilations) - 1``.

    Official forward. The official AdaptSegNet ``Classifier_Module`` returns
    from inside its summation loop, so it outputs ``conv0(x) + conv1(x)``
    (dilations 6 and 12) although it holds four branches; the released
    AdaptSegNet models were trained and evaluated that way. Set
    ``num_summed_branches=2`` to reproduce it. The unused branches are still
    built (their weights are in the official checkpoints, so checkpoints
    round-trip) but get ``requires_grad=False`` and are never run, so
    optimizers leave them alone and DistributedDataParallel does not report
    unused parameters. ``num_summed_branches=None`` (default) sums all
    branches, as the paper describes.

    Initialisation (when ``init_cfg`` is None, the default) follows the
    official code: branch weights ~ N(0, 0.01); the biases keep PyTorch's
    default ``Conv2d`` initialisation (uniform in +-1/sqrt(9 * in_channels)),
    because the official module only re-initialises the weights. A given
    ``init_cfg`` is applied by mmengine instead.

    Args:
        in_channels (int | Sequence[int]): Input channels (2048 for the main
            classifier on layer4, 1024 for the auxiliary one on layer3).
        num_classes (int): Number of classes.
        dilations (Sequence[int]): Dilation (= padding) of each 3x3 branch.
            Defaults to (6, 12, 18, 24).
        num_summed_branches (int, optional): Sum only the first
            ``num_summed_branches`` branches (2 = official AdaptSegNet
            forward). None sums all. Defaults to None.
        channels (int, optional): Accepted for config compatibility with
            mmseg heads; must be None or equal to the (total) input channels,
            since the branches act on the input directly.
        dropout_ratio (float): Dropout before the branches. Defaults to 0
            (the official classifier has none).
        **kwargs: Other :class:`BaseDecodeHead` arguments (``in_index``,
            ``input_transform``, ``loss_decode``, ``align_corners``,
            ``ignore_index``, ``out_channels``, ``init_cfg``...).
    """

    def __init__(self,
                 in_channels,
                 num_classes: int,
                 dilations: Sequence[int] = (6, 12, 18, 24),
                 num_summed_branches: Optional[int] = None,
                 channels: Optional[int] = None,
                 dropout_ratio: float = 0.0,
                 init_cfg=None,
                 **kwargs):
        total_in = (
            sum(in_channels) if isinstance(in_channels,
                                           (list, tuple)) else in_channels)
        if channels is not None and channels != total_in:
            raise ValueError(
                f'DeepLabV2Head has no intermediate layer: channels '
                f'({channels}) must be None or equal to the input channels '
                f'({total_in}).')
        if kwargs.get('input_transform') == 'multiple_select':
            raise ValueError(
                "DeepLabV2Head needs one feature map: use input_transform "
                "None or 'resize_concat', not 'multiple_select'.")
        super().__init__(
            in_channels,
            total_in,
            num_classes=num_classes,
            dropout_ratio=dropout_ratio,
            init_cfg=init_cfg,
            **kwargs)
        # BaseDecodeHead always builds a 1x1 ``conv_seg``; this head has none.
        del self.conv_seg

        dilations = tuple(int(d) for d in dilations)
        if not dilations:
            raise ValueError('dilations must not be empty')
        if num_summed_branches is not None and not (1 <= num_summed_branches <=
                                                    len(dilations)):
            raise ValueError(f'num_summed_branches must be None or in [1, '
                             f'{len(dilations)}], got {num_summed_branches}')
        self.dilations = dilations
        self.num_summed_branches = num_summed_branches
        self.aspp_convs = nn.ModuleList(
            nn.Conv2d(
                self.in_channels,
                self.out_channels,
                kernel_size=3,
                stride=1,
                padding=d,
                dilation=d,
                bias=True) for d in dilations)
        for conv in self.aspp_convs[self.num_active_branches:]:
            for param in conv.parameters():
                param.requires_grad = False

    @property
    def num_active_branches(self) -> int:
        """Number of branches whose outputs are summed."""
        if self.num_summed_branches is None:
            return len(self.aspp_convs)
        return self.num_summed_branches

    def init_weights(self):
        if not self.is_init and not self.init_cfg:
            for conv in self.aspp_convs:
                nn.init.normal_(conv.weight, mean=0.0, std=0.01)
        super().init_weights()

    def cls_seg(self, feat: torch.Tensor) -> torch.Tensor:
        """Sum of the active ASPP branches applied to ``feat``."""
        if self.dropout is not None:
            feat = self.dropout(feat)
        convs = self.aspp_convs[:self.num_active_branches]
        output = convs[0](feat)
        for conv in convs[1:]:
            output = output + conv(feat)
        return output

    def forward(self, inputs):
        """Logits (N, out_channels, H, W) from the selected feature map."""
        return self.cls_seg(self._transform_inputs(inputs))

    def extra_repr(self):
        return (super().extra_repr() +
                f', num_summed_branches={self.num_summed_branches}')

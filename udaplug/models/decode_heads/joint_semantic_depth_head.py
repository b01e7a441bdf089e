"""GIO-Ada's two task decoders on one shared encoder (Chen et al., CVPR
2019, Sec. 3.3 and 3.5)."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmseg.models.utils import resize
from mmseg.utils import SampleList
from torch import Tensor

from udaplug.registry import MODELS
from .deeplabv2_head import DeepLabV2Head
from .multi_output_head import MultiOutputHead

DEPTH_KEY = 'gt_depth_map'


class MissingDepthError(KeyError):
    """A sample that must carry ground-truth depth has no ``gt_depth_map``."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def missing_depth_message(owner: str, data_sample) -> str:
    path = data_sample.metainfo.get('img_path', '<unknown image>')
    return (
        f"{owner}: the source sample {path} has no '{DEPTH_KEY}'. GIO-Ada "
        'is trained with source depth: use a source dataset with depth '
        "(SynthiaDataset, VKittiDataset, with data_prefix['depth_path'] set) "
        'and put LoadDepthFromFile (normalize=True, depth_range=...) in its '
        'pipeline right after LoadImageFromFile.')


def stack_depth(data_samples: SampleList, owner: str) -> Tensor:
    """The samples' ``gt_depth_map`` as an (N, 1, H, W) float tensor, with
    a :class:`MissingDepthError` naming the image of a sample without it."""
    maps = []
    for sample in data_samples:
        if DEPTH_KEY not in sample:
            raise MissingDepthError(missing_depth_message(owner, sample))
        depth = sample.get(DEPTH_KEY).data
        maps.append(depth if depth.dim() == 3 else depth[None])
    return torch.stack(maps).float()


def valid_region_mask(data_samples: SampleList, shape: Sequence[int],
                      device) -> Tensor:
    """(N, 1, H, W) bool mask of the pixels inside each sample's unpadded
    ``img_shape`` (mmseg pads labels and depth bottom/right with 255)."""
    mask = torch.zeros((len(data_samples), 1, *shape),
                       dtype=torch.bool,
                       device=device)
    for i, sample in enumerate(data_samples):
        h, w = sample.metainfo.get('img_shape', shape)[:2]
        mask[i, :, :h, :w] = True
    return mask


@MODELS.register_module()
class JointSemanticDepthHead(DeepLabV2Head, MultiOutputHead):
    """Semantic segmentation and depth estimation decoders on shared
    encoder features (GIO-Ada's task network G_task, Sec. 3.3).

    Both decoders are DeepLab-v2 ASPP modules that differ only in their
    number of output channels (Sec. 3.5): the semantic decoder is this head
    itself (a :class:`DeepLabV2Head` with ``num_classes`` outputs, state-dict
    keys ``aspp_convs.*``), the depth decoder a second one with one output
    (``depth_decoder.aspp_convs.*``).

    * ``forward(x)`` returns the semantic logits, so mmseg's ``predict`` and
      slide/whole inference work unchanged;
    * ``forward_outputs(x)`` returns ``{'seg': logits, 'depth': depth}``
      (both at the feature resolution);
    * ``loss_by_outputs(outputs, data_samples)`` is Eq. (2) + lambda_depth x
      Eq. (3): the ``loss_decode`` losses (cross-entropy) of the semantics
      and ``loss_depth`` = ``depth_loss_weight`` x the L1 distance between the
      predicted depth (bilinearly upsampled to the label size) and the
      samples' ``gt_depth_map``, averaged over the valid pixels (inside the
      unpadded image, finite, and not ``depth_ignore_value``).

    The depth target is whatever ``gt_depth_map`` holds; GIO-Ada's configs
    load it normalised to [0, 1] over the dataset (Sec. 3.2), the same
    values the image transform network receives.

    Args:
        in_channels (int): Encoder channels (1024 for fc7 of DeepLab VGG).
        num_classes (int): Number of semantic classes.
        dilations (Sequence[int]): ASPP dilations of both decoders.
            Defaults to (6, 12, 18, 24).
        num_summed_branches (int, optional): See :class:`DeepLabV2Head`.
        depth_loss_weight (float): lambda_depth. Defaults to 0.1 (Sec. 3.5).
        depth_act (str, optional): ``None`` (default: a linear output; the
            paper's decoders differ only in their output channels) or
            ``'sigmoid'`` (predictions in (0, 1), for normalised depth).
        depth_ignore_value (float, optional): Ground-truth value marking
            pixels without depth. Defaults to None.
        **kwargs: Other :class:`DeepLabV2Head` / ``BaseDecodeHead``
            arguments (``in_index``, ``loss_decode``, ``align_corners``...).
    """

    output_names = ('seg', 'depth')

    def __init__(self,
                 in_channels,
                 num_classes: int,
                 dilations: Sequence[int] = (6, 12, 18, 24),
                 num_summed_branches: Optional[int] = None,
                 depth_loss_weight: float = 0.1,
                 depth_act: Optional[str] = None,
                 depth_ignore_value: Optional[float] = None,
                 **kwargs):
        super().__init__(
            in_channels,
            num_classes,
            dilations=dilations,
            num_summed_branches=num_summed_branches,
            **kwargs)
        if depth_act not in (None, 'sigmoid'):
            raise ValueError(f'depth_act must be None or "sigmoid", got '
                             f'{depth_act!r}')
        self.depth_loss_weight = float(depth_loss_weight)
        self.depth_act = depth_act
        self.depth_ignore_value = depth_ignore_value
        # The features are selected once (self._transform_inputs) and passed
        # to the depth decoder as a one-element list.
        self.depth_decoder = DeepLabV2Head(
            self.in_channels,
            num_classes=1,
            threshold=0.5,  # unused: the output is a regression
            dilations=dilations,
            num_summed_branches=num_summed_branches,
            in_index=0,
            align_corners=self.align_corners,
            # never used (the depth loss is computed here); set to avoid
            # mmseg's warning about the default cross-entropy settings
            loss_decode=dict(
                type='CrossEntropyLoss', loss_weight=0.0, avg_non_ignore=True),
            init_cfg=None)

    def forward_outputs(self, inputs: List[Tensor]) -> Dict[str, Tensor]:
        """Semantic logits (N, C, h, w) and depth (N, 1, h, w)."""
        feat = self._transform_inputs(inputs)
        depth = self.depth_decoder.cls_seg(feat)
        if self.depth_act == 'sigmoid':
            depth = depth.sigmoid()
        return {'seg': self.cls_seg(feat), 'depth': depth}

    def depth_loss(self, depth: Tensor, data_samples: SampleList) -> Tensor:
        """Masked L1 (Eq. 3) between ``depth`` and the samples'
        ``gt_depth_map``, not yet weighted."""
        target = stack_depth(data_samples, type(self).__name__).to(depth)
        pred = resize(
            depth,
            size=target.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        mask = valid_region_mask(data_samples, target.shape[2:],
                                 target.device) & torch.isfinite(target)
        if self.depth_ignore_value is not None:
            mask &= target != self.depth_ignore_value
        if not mask.any():
            return pred.sum() * 0
        return F.l1_loss(pred[mask], target[mask])

    def loss_by_outputs(self, outputs: Dict[str, Tensor],
                        data_samples: SampleList) -> Dict[str, Tensor]:
        """Eq. (2) (``loss_decode``, e.g. ``loss_ce``) and lambda_depth x
        Eq. (3) (``loss_depth``) on labelled (source) samples."""
        losses = self.loss_by_feat(outputs['seg'], data_samples)
        losses['loss_depth'] = self.depth_loss_weight * self.depth_loss(
            outputs['depth'], data_samples)
        return losses

    def loss(self, inputs: List[Tensor], batch_data_samples: SampleList,
             train_cfg: dict) -> Dict[str, Tensor]:
        """Both task losses (mmseg's ``mode='loss'`` path)."""
        return self.loss_by_outputs(
            self.forward_outputs(inputs), batch_data_samples)

    def extra_repr(self):
        return (super().extra_repr() +
                f', depth_loss_weight={self.depth_loss_weight}, '
                f'depth_act={self.depth_act}')

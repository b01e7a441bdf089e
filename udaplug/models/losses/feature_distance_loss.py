"""DAFormer's (thing-class) ImageNet feature distance."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from udaplug.registry import MODELS


def downscale_label_ratio(labels: Tensor,
                          scale_factor: int,
                          min_ratio: float,
                          num_classes: int,
                          ignore_index: int = 255) -> Tensor:
    """Downscale a label map by ``scale_factor`` by majority: each output
    cell takes the most frequent label of its ``scale_factor`` x
    ``scale_factor`` block (ignore counted as a class of its own) and
    becomes ``ignore_index`` when that label covers less than ``min_ratio``
    of the block (DAFormer's ``downscale_label_ratio``).

    Args:
        labels (Tensor): (N, H, W) or (N, 1, H, W) integer labels.
        scale_factor (int): Block size (>= 1).
        min_ratio (float): Minimum share of the majority label.
        num_classes (int): Number of classes (labels 0..num_classes-1).
        ignore_index (int): The ignore value.

    Returns:
        Tensor: (N, 1, H // s, W // s) long labels.
    """
    if labels.dim() == 3:
        labels = labels.unsqueeze(1)
    if scale_factor < 1:
        raise ValueError(f'scale_factor must be >= 1, got {scale_factor}')
    out = labels.clone().long()
    out[out == ignore_index] = num_classes
    if (out < 0).any() or (out > num_classes).any():
        bad = out[(out < 0) | (out > num_classes)].unique()[:5].tolist()
        raise ValueError(f'labels outside 0..{num_classes - 1} and '
                         f'{ignore_index}: {bad}')
    onehot = F.one_hot(out[:, 0], num_classes + 1).permute(0, 3, 1, 2)
    ratio = F.avg_pool2d(onehot.float(), kernel_size=scale_factor)
    share, out = ratio.max(dim=1, keepdim=True)
    out[out == num_classes] = ignore_index
    out[share < min_ratio] = ignore_index
    return out


def masked_feature_distance(student: Tensor,
                            frozen: Tensor,
                            mask: Optional[Tensor] = None) -> Tensor:
    """Mean over the (masked) positions of the L2 distance between two
    feature maps (N, C, h, w) along the channels; 0 (still connected to the
    graph) when the mask selects nothing."""
    dist = torch.norm(student.float() - frozen.float(), p=2, dim=1)
    if mask is not None:
        dist = dist[mask.reshape(dist.shape)]
    if dist.numel() == 0:
        return student.sum() * 0.0
    return dist.mean()


@MODELS.register_module()
class ImageNetFeatureDistanceLoss(nn.Module):
    """The (thing-class) ImageNet feature distance of DAFormer (Hoyer et
    al., CVPR 2022, Sec. 3, "Thing-Class ImageNet Feature Distance";
    official ``DACS.calc_feat_dist``):

        L_FD = lambda_FD * mean_{(i, j) in M} || F_S(x)_ij - F_ImNet(x)_ij ||_2

    between the student encoder's features ``F_S`` of a source image and
    those of a frozen copy of the ImageNet-pretrained encoder ``F_ImNet``,
    both taken at ``feature_index`` (the official code uses the last
    encoder stage, ``feat[-1]``). ``M`` holds the feature positions whose
    source label, downscaled to the feature size by
    :func:`downscale_label_ratio` (scale factor = label width // feature
    width, the official ``gt.shape[-1] // feat.shape[-1]``; majority share
    at least ``min_ratio``), is one of ``classes`` (the thing classes). With
    ``classes=None`` every position counts (the "FD" row of DAFormer's
    ablation, no label needed).

    Where the downscaled label grid and the feature map differ in size (a
    backbone whose output stride does not divide the input, e.g. DeepLab-v2
    with ceil-mode pooling), the grid is resized to the features with
    nearest-neighbour sampling. When no position is selected the loss is 0
    (the official mean of an empty selection would be NaN).

    ``ramp_iters`` > 0 scales ``lambda_FD`` linearly from 0 at iteration 0
    to its full value at ``ramp_iters``; the official code and configs use a
    constant weight (``ramp_iters=0``).

    Args:
        loss_weight (float): ``lambda_FD``. DAFormer: 0.005.
        classes (Sequence[int], optional): The thing classes. DAFormer
            (Cityscapes train ids): 6, 7, 11-18 (traffic light, traffic sign,
            person, rider, car, truck, bus, train, motorcycle, bicycle).
        min_ratio (float): DAFormer: 0.75
            (``imnet_feature_dist_scale_min_ratio``).
        num_classes (int): Number of classes of the labels.
        feature_index (int): Which encoder output. DAFormer: -1.
        ignore_index (int): Defaults to 255.
        ramp_iters (int): Linear ramp length; 0 = constant weight.
        loss_name (str): Key in the loss dict.
    """

    def __init__(self,
                 loss_weight: float = 0.005,
                 classes: Optional[Sequence[int]] = None,
                 min_ratio: float = 0.75,
                 num_classes: int = 19,
                 feature_index: int = -1,
                 ignore_index: int = 255,
                 ramp_iters: int = 0,
                 loss_name: str = 'loss_imnet_feat_dist') -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)
        self.classes = None if classes is None else [int(c) for c in classes]
        if self.classes is not None:
            bad = [c for c in self.classes if not 0 <= c < num_classes]
            if bad:
                raise ValueError(
                    f'ImageNetFeatureDistanceLoss: classes {bad} are not '
                    f'among the {num_classes} classes (0..{num_classes - 1})')
        self.min_ratio = float(min_ratio)
        self.num_classes = int(num_classes)
        self.feature_index = int(feature_index)
        self.ignore_index = int(ignore_index)
        self.ramp_iters = int(ramp_iters)
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def weight_at(self, iteration: Optional[int]) -> float:
        """``lambda_FD`` at ``iteration`` (0-based), with the ramp."""
        if self.ramp_iters <= 0 or iteration is None:
            return self.loss_weight
        return self.loss_weight * min(1.0, iteration / self.ramp_iters)

    def thing_mask(self, labels: Tensor, feat_size) -> Tensor:
        """The positions of the feature map (N, 1, h, w) whose downscaled
        label is a thing class."""
        if labels.dim() == 3:
            labels = labels.unsqueeze(1)
        scale = max(1, labels.shape[-1] // feat_size[-1])
        small = downscale_label_ratio(labels, scale, self.min_ratio,
                                      self.num_classes, self.ignore_index)
        if tuple(small.shape[-2:]) != tuple(feat_size):
            small = F.interpolate(
                small.float(), size=tuple(feat_size), mode='nearest').long()
        classes = torch.tensor(self.classes, device=small.device)
        return torch.isin(small, classes)

    def forward(self,
                student_feats,
                frozen_feats,
                labels: Optional[Tensor] = None,
                iteration: Optional[int] = None) -> Tensor:
        """The weighted distance.

        Args:
            student_feats (Tensor | Sequence[Tensor]): The student encoder's
                feature maps (a sequence: ``feature_index`` picks one).
            frozen_feats (Tensor | Sequence[Tensor]): The frozen ImageNet
                encoder's, same layout.
            labels (Tensor, optional): Source labels (N, H, W) or
                (N, 1, H, W); needed when ``classes`` is set.
            iteration (int, optional): For the ramp.
        """
        fs, ft = student_feats, frozen_feats
        if isinstance(fs, (list, tuple)):
            fs, ft = fs[self.feature_index], ft[self.feature_index]
        if fs.shape != ft.shape:
            raise ValueError('ImageNetFeatureDistanceLoss: student and frozen'
                             f' features differ: {tuple(fs.shape)} vs '
                             f'{tuple(ft.shape)}')
        mask = None
        if self.classes is not None:
            if labels is None:
                raise ValueError('ImageNetFeatureDistanceLoss: classes are '
                                 'set, so the source labels are needed')
            mask = self.thing_mask(labels, fs.shape[-2:])
        return self.weight_at(iteration) * masked_feature_distance(
            fs, ft.detach(), mask)

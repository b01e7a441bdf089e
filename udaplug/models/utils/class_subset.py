"""Keep a subset of a segmentation checkpoint's classes: the classifier
outputs of models trained on the 19 Cityscapes classes, for the 16-class
SYNTHIA -> Cityscapes setting (BDL's SYNTHIA models predict all 19 train
ids and are evaluated on 16 or 13 of them)."""
import re
from collections import OrderedDict
from typing import Dict, List, Sequence, Tuple

import torch

from .adaptsegnet_checkpoint import CheckpointConversionError

# Classifier parameters whose first dimension is the class (rows):
# DeepLab-v2 ASPP branches, mmseg's conv_seg, FCN-8s scoring layers.
_ROW_KEYS = re.compile(
    r'(?:^|\.)(?:decode_head|auxiliary_head)\.(?:aspp_convs\.\d+|conv_seg|'
    r'score_fr|score_pool3|score_pool4)\.(?:weight|bias)$')
# FCN-8s' per-class upsampling (class x class kernels).
_SQUARE_KEYS = re.compile(
    r'(?:^|\.)decode_head\.(?:upscore2|upscore_pool4|upscore8)\.weight$')


def class_indices(classes: Sequence[str], subset: Sequence[str]) -> List[int]:
    """Indices of ``subset`` in ``classes`` (names), with a clear error."""
    missing = [c for c in subset if c not in classes]
    if missing:
        raise ValueError(f'classes {missing} are not among {list(classes)}')
    return [list(classes).index(c) for c in subset]


def select_classes(state_dict: Dict[str, torch.Tensor],
                   indices: Sequence[int]) -> Tuple[OrderedDict, List[str]]:
    """``state_dict`` with only the classifier outputs ``indices`` (in that
    order); returns it and the keys changed. Every classifier key must have
    the same number of classes."""
    indices = list(indices)
    counts = {
        k: v.shape[0]
        for k, v in state_dict.items()
        if _ROW_KEYS.search(k) or _SQUARE_KEYS.search(k)
    }
    if not counts:
        raise CheckpointConversionError(
            'no classifier weights found (decode_head/auxiliary_head '
            'aspp_convs, conv_seg or FCN-8s score/upscore layers)')
    if len(set(counts.values())) != 1:
        raise CheckpointConversionError(
            'the classifier weights disagree on the number of classes: ' +
            ', '.join(f'{k}: {n}' for k, n in counts.items()))
    num = next(iter(counts.values()))
    if not indices or len(set(indices)) != len(indices) or any(
            not 0 <= i < num for i in indices):
        raise CheckpointConversionError(
            f'class indices must be distinct and in [0, {num}); got '
            f'{indices}')
    index = torch.tensor(indices, dtype=torch.long)
    out = OrderedDict()
    for key, value in state_dict.items():
        if _ROW_KEYS.search(key):
            value = value.index_select(0, index)
        elif _SQUARE_KEYS.search(key):
            if value.shape[1] != value.shape[0]:
                raise CheckpointConversionError(
                    f'{key}: expected a class x class kernel, got '
                    f'{tuple(value.shape)}')
            value = value.index_select(0, index).index_select(1, index)
        out[key] = value
    return out, sorted(counts)

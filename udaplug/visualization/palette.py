"""Colouring of label maps with a dataset's palette."""
from typing import Optional, Sequence

import numpy as np

from udaplug.datasets.label_sets import IGNORE_INDEX


def colorize(
    label: np.ndarray,
    palette: Sequence[Sequence[int]],
    ignore_index: int = IGNORE_INDEX,
    ignore_color: Sequence[int] = (0, 0, 0)
) -> np.ndarray:
    """An RGB (H, W, 3) uint8 image of a (H, W) label map: class ``i`` gets
    ``palette[i]``, ``ignore_index`` (and any value without a colour) gets
    ``ignore_color``."""
    label = np.asarray(label)
    if label.ndim == 3 and label.shape[0] == 1:
        label = label[0]
    if label.ndim != 2:
        raise ValueError(f'colorize expects an (H, W) label map, got shape '
                         f'{label.shape}')
    table = np.empty((max(256, len(palette) + 1), 3), dtype=np.uint8)
    table[:] = ignore_color
    table[:len(palette)] = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    table[ignore_index] = ignore_color
    values = label.astype(np.int64)
    values[(values < 0) | (values >= len(table))] = ignore_index
    return table[values]


def palette_of(meta: Optional[dict]) -> Optional[list]:
    """The palette of a dataset metainfo, or None."""
    if not meta:
        return None
    palette = meta.get('palette')
    classes = meta.get('classes')
    if palette is None or (classes is not None
                           and len(palette) < len(classes)):
        return None
    return [list(c) for c in palette]

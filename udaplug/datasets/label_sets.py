"""Class names, palettes and label-id maps shared by udaplug's datasets,
converters, metrics and the demo generator.

Label sets (all in Cityscapes train-id order, so a smaller set is an ordered
subset of the 19 Cityscapes classes and mmseg's ``label_map`` mechanism can
derive one from another):

* ``CITYSCAPES_CLASSES`` (19): GTA5, Synscapes, Cityscapes, KITTI.
* ``SYNTHIA_CLASSES`` (16): Cityscapes minus terrain, truck and train, the
  classes SYNTHIA-RAND-CITYSCAPES is evaluated on ("mIoU16").
* ``SYNTHIA13_CLASSES`` (13): the 16 minus wall, fence and pole ("mIoU13",
  also written mIoU*).
* ``GIOADA_CLASSES`` (10): the classes Virtual KITTI and KITTI share, as
  listed in GIO-Ada's Table 1.

The Cityscapes label-id -> train-id map is taken from
``cityscapesscripts.helpers.labels``.
"""
from typing import Dict, Mapping, Sequence, Tuple

import numpy as np
from cityscapesscripts.helpers.labels import labels as _cs_labels

IGNORE_INDEX = 255

# --- Cityscapes (19) --------------------------------------------------------
_CS_TRAIN = sorted((lb for lb in _cs_labels if 0 <= lb.trainId < 255),
                   key=lambda lb: lb.trainId)
CITYSCAPES_CLASSES: Tuple[str, ...] = tuple(lb.name for lb in _CS_TRAIN)
CITYSCAPES_PALETTE: Tuple[Tuple[int, int, int],
                          ...] = tuple(tuple(lb.color) for lb in _CS_TRAIN)
#: Cityscapes label id (0..33) -> train id (0..18, or 255 for ignored ids).
CITYSCAPES_ID_TO_TRAINID: Dict[int, int] = {
    lb.id: (lb.trainId if 0 <= lb.trainId < 255 else IGNORE_INDEX)
    for lb in _cs_labels if lb.id >= 0
}
#: Cityscapes class name -> label id of that class.
CITYSCAPES_NAME_TO_ID: Dict[str, int] = {
    lb.name: lb.id
    for lb in _cs_labels if lb.id >= 0
}
#: Cityscapes label id (0..33) -> its colour. GTA5's label files are 8-bit
#: palette PNGs whose palette index is the label id and whose palette gives
#: each id this colour (several ids share a colour, e.g. 0-4 are black, so
#: the colours alone do not determine the ids).
CITYSCAPES_ID_COLOURS: Dict[int, Tuple[int, int, int]] = {
    lb.id: tuple(lb.color)
    for lb in _cs_labels if lb.id >= 0
}
#: Cityscapes label id (0..33) -> its name.
CITYSCAPES_ID_NAMES: Dict[int, str] = {
    lb.id: lb.name
    for lb in _cs_labels if lb.id >= 0
}


def subset_of_cityscapes(
        names: Sequence[str]) -> Tuple[Tuple[str, ...], Tuple[tuple, ...]]:
    """The classes ``names`` (which must be Cityscapes classes) in Cityscapes
    order, with their Cityscapes colours."""
    unknown = [n for n in names if n not in CITYSCAPES_CLASSES]
    if unknown:
        raise ValueError(f'not Cityscapes classes: {unknown}')
    keep = [c for c in CITYSCAPES_CLASSES if c in names]
    return tuple(keep), tuple(CITYSCAPES_PALETTE[CITYSCAPES_CLASSES.index(c)]
                              for c in keep)


# --- SYNTHIA (16 / 13) ------------------------------------------------------
SYNTHIA_CLASSES, SYNTHIA_PALETTE = subset_of_cityscapes(
    [c for c in CITYSCAPES_CLASSES if c not in ('terrain', 'truck', 'train')])
SYNTHIA13_CLASSES, SYNTHIA13_PALETTE = subset_of_cityscapes(
    [c for c in SYNTHIA_CLASSES if c not in ('wall', 'fence', 'pole')])

#: SYNTHIA-RAND-CITYSCAPES class ids (R channel of GT/LABELS).
SYNTHIA_ID_NAMES: Dict[int, str] = {
    0: 'void',
    1: 'sky',
    2: 'building',
    3: 'road',
    4: 'sidewalk',
    5: 'fence',
    6: 'vegetation',
    7: 'pole',
    8: 'car',
    9: 'traffic sign',
    10: 'pedestrian',
    11: 'bicycle',
    12: 'motorcycle',
    13: 'parking-slot',
    14: 'road-work',
    15: 'traffic light',
    16: 'terrain',
    17: 'rider',
    18: 'truck',
    19: 'bus',
    20: 'train',
    21: 'wall',
    22: 'lanemarking'
}
SYNTHIA_MAX_ID = max(SYNTHIA_ID_NAMES)
#: SYNTHIA class name -> Cityscapes class name, for those that have one.
_SYNTHIA_TO_CITYSCAPES_NAME = {
    'sky': 'sky',
    'building': 'building',
    'road': 'road',
    'sidewalk': 'sidewalk',
    'fence': 'fence',
    'vegetation': 'vegetation',
    'pole': 'pole',
    'car': 'car',
    'traffic sign': 'traffic sign',
    'pedestrian': 'person',
    'bicycle': 'bicycle',
    'motorcycle': 'motorcycle',
    'traffic light': 'traffic light',
    'terrain': 'terrain',
    'rider': 'rider',
    'truck': 'truck',
    'bus': 'bus',
    'train': 'train',
    'wall': 'wall'
}


def _synthia_map(classes: Sequence[str]) -> Dict[int, int]:
    out = {}
    for sid, name in SYNTHIA_ID_NAMES.items():
        cs_name = _SYNTHIA_TO_CITYSCAPES_NAME.get(name)
        out[sid] = (
            classes.index(cs_name) if cs_name in classes else IGNORE_INDEX)
    return out


#: SYNTHIA id -> 19-class Cityscapes train id.
SYNTHIA_ID_TO_TRAINID19: Dict[int, int] = _synthia_map(CITYSCAPES_CLASSES)
#: SYNTHIA id -> 16-class train id (0..15, the order of SYNTHIA_CLASSES).
#: This is what the SYNTHIA converter writes: terrain, truck and train
#: (and void, parking-slot, road-work, lanemarking) become 255.
SYNTHIA_ID_TO_TRAINID16: Dict[int, int] = _synthia_map(SYNTHIA_CLASSES)

# --- Virtual KITTI / KITTI (10, GIO-Ada) -----------------------------------
GIOADA_CLASSES, GIOADA_PALETTE = subset_of_cityscapes(
    ('road', 'building', 'pole', 'traffic light', 'traffic sign', 'vegetation',
     'terrain', 'sky', 'car', 'truck'))
#: Virtual KITTI 1.3.1 category -> class name of GIO-Ada's 10-class set
#: (None = ignored). Van is merged into car (Cityscapes has no van class and
#: labels vans as car); Tree and Vegetation both become vegetation;
#: GuardRail and Misc have no counterpart among the 10 classes.
VKITTI_CATEGORY_TO_CLASS: Dict[str, object] = {
    'Terrain': 'terrain',
    'Sky': 'sky',
    'Tree': 'vegetation',
    'Vegetation': 'vegetation',
    'Building': 'building',
    'Road': 'road',
    'GuardRail': None,
    'TrafficSign': 'traffic sign',
    'TrafficLight': 'traffic light',
    'Pole': 'pole',
    'Misc': None,
    'Truck': 'truck',
    'Car': 'car',
    'Van': 'car'
}

LABEL_SETS: Dict[str, Tuple[Tuple[str, ...], Tuple[tuple, ...]]] = {
    'cityscapes19': (CITYSCAPES_CLASSES, CITYSCAPES_PALETTE),
    'synthia16': (SYNTHIA_CLASSES, SYNTHIA_PALETTE),
    'synthia13': (SYNTHIA13_CLASSES, SYNTHIA13_PALETTE),
    'gioada10': (GIOADA_CLASSES, GIOADA_PALETTE),
}


def metainfo_of(label_set: str) -> dict:
    """``dict(classes=..., palette=...)`` of a named label set."""
    if label_set not in LABEL_SETS:
        raise KeyError(f'unknown label set "{label_set}"; known: '
                       f'{sorted(LABEL_SETS)}')
    classes, palette = LABEL_SETS[label_set]
    return dict(classes=classes, palette=[list(c) for c in palette])


def lookup_table(mapping: Mapping[int, int],
                 size: int = 256,
                 fill: int = IGNORE_INDEX) -> Tuple[np.ndarray, np.ndarray]:
    """A ``(lut, valid)`` pair for ``lut[label]``-style remapping.

    ``lut`` (uint8, ``size`` entries) maps each key of ``mapping`` to its
    value and every other value to ``fill``; ``valid`` (bool) is True for the
    keys, so ``~valid[label]`` marks values outside the map.
    """
    lut = np.full(size, fill, dtype=np.uint8)
    valid = np.zeros(size, dtype=bool)
    for key, value in mapping.items():
        lut[key] = value
        valid[key] = True
    return lut, valid

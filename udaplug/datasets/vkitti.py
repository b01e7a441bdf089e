import os.path as osp
from typing import List, Optional, Sequence

from udaplug.registry import DATASETS
from .base import CheckedSegDataset
from .label_sets import GIOADA_CLASSES, GIOADA_PALETTE


@DATASETS.register_module()
class VKittiDataset(CheckedSegDataset):
    """Virtual KITTI 1.3.1 with GIO-Ada's 10 classes.

    Layout (``data_root`` holds the unpacked archives)::

        vkitti_1.3.1_rgb/<world>/<variation>/<frame>.png
        vkitti_1.3.1_scenegt/<world>/<variation>/<frame>.png       (colours)
        vkitti_1.3.1_scenegt/<world>/<variation>/<frame>_labelTrainIds.png
        vkitti_1.3.1_depthgt/<world>/<variation>/<frame>.png       (uint16 cm)

    ``*_labelTrainIds.png`` is written by ``tools/convert_datasets/vkitti.py``
    from the colour ground truth and the per-world colour tables (see
    :data:`~udaplug.datasets.label_sets.VKITTI_CATEGORY_TO_CLASS`: Van counts
    as car, GuardRail and Misc are ignored). Depth is used as shipped
    (single-channel 16-bit, centimetres; 65535 = 655.35 m is the far limit)
    when ``data_prefix['depth_path']='vkitti_1.3.1_depthgt'``.

    Args:
        worlds (Sequence[str], optional): Keep only these worlds
            (e.g. ``('0001', '0002')``). Defaults to all.
        variations (Sequence[str], optional): Keep only these variations
            (e.g. ``('clone',)``). Defaults to all (GIO-Ada uses all 21,260
            images).
    """
    METAINFO = dict(
        classes=GIOADA_CLASSES, palette=[list(c) for c in GIOADA_PALETTE])
    DATASET_NAME = 'Virtual KITTI'
    CONVERTER = 'python tools/convert_datasets/vkitti.py {data_root}'
    HAS_DEPTH = True

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '_labelTrainIds.png',
                 depth_suffix: str = '.png',
                 data_prefix: dict = dict(
                     img_path='vkitti_1.3.1_rgb',
                     seg_map_path='vkitti_1.3.1_scenegt'),
                 worlds: Optional[Sequence[str]] = None,
                 variations: Optional[Sequence[str]] = None,
                 **kwargs) -> None:
        self.worlds = tuple(worlds) if worlds else None
        self.variations = tuple(variations) if variations else None
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            depth_suffix=depth_suffix,
            data_prefix=data_prefix,
            **kwargs)

    def filter_samples(self, data_list: List[dict]) -> List[dict]:
        kept = []
        for info in data_list:
            parts = self._stem(info['img_path']).split(osp.sep)
            if len(parts) != 3:
                raise ValueError(
                    f'{self._name()}: expected <world>/<variation>/<frame>'
                    f'.png under {self.data_prefix["img_path"]}, found '
                    f'{info["img_path"]}')
            world, variation, _ = parts
            if self.worlds and world not in self.worlds:
                continue
            if self.variations and variation not in self.variations:
                continue
            kept.append(info)
        if data_list and not kept:
            raise FileNotFoundError(
                f'{self._name()}: no images of worlds {self.worlds} and '
                f'variations {self.variations} in '
                f'{self.data_prefix["img_path"]}')
        return kept

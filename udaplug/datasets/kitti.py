from typing import Optional

from udaplug.registry import DATASETS
from .base import CheckedSegDataset
from .checks import ClassMismatchError
from .label_sets import CITYSCAPES_CLASSES, CITYSCAPES_PALETTE, metainfo_of


@DATASETS.register_module()
class KittiSegDataset(CheckedSegDataset):
    """KITTI semantic segmentation (``data_semantics``).

    ``training/image_2/*.png`` with ``training/semantic/*.png`` (Cityscapes
    label ids), converted by ``tools/convert_datasets/kitti.py`` to
    ``training/semantic/*_labelTrainIds.png`` (19 Cityscapes train ids).
    ``testing/image_2`` has no labels: use it with
    ``data_prefix=dict(img_path='testing/image_2')`` as the unlabelled target
    (GIO-Ada adapts on it and reports on the 200 training images).

    Args:
        label_set (str, optional): ``'gioada10'`` (default, the 10 classes
            Virtual KITTI and KITTI share; the other classes become 255) or
            ``'cityscapes19'``. Set it to None to pass your own
            ``metainfo=dict(classes=...)``.
    """
    METAINFO = dict(
        classes=CITYSCAPES_CLASSES,
        palette=[list(c) for c in CITYSCAPES_PALETTE])
    DATASET_NAME = 'KITTI'
    CONVERTER = 'python tools/convert_datasets/kitti.py {data_root}'

    def __init__(self,
                 label_set: Optional[str] = 'gioada10',
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '_labelTrainIds.png',
                 data_prefix: dict = dict(
                     img_path='training/image_2',
                     seg_map_path='training/semantic'),
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        if label_set is not None:
            wanted = metainfo_of(label_set)
            given = (metainfo or {}).get('classes')
            if given is not None and tuple(given) != wanted['classes']:
                raise ClassMismatchError(
                    f'KITTI: label_set="{label_set}" has the classes '
                    f"{wanted['classes']}, but metainfo gives {tuple(given)};"
                    ' pass label_set=None to use the metainfo classes.')
            metainfo = dict(metainfo or {}, **wanted)
        self.label_set = label_set
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix,
            metainfo=metainfo,
            **kwargs)

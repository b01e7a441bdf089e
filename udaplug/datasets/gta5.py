from udaplug.registry import DATASETS
from .base import CheckedSegDataset
from .label_sets import CITYSCAPES_CLASSES, CITYSCAPES_PALETTE


@DATASETS.register_module()
class GTA5Dataset(CheckedSegDataset):
    """GTA5 ("Playing for Data"): ``images/NNNNN.png`` and labels holding
    Cityscapes label ids, converted by ``tools/convert_datasets/gta5.py`` to
    ``labels/NNNNN_labelTrainIds.png`` (19 Cityscapes classes).

    A ``metainfo`` with a subset of the 19 classes (e.g. SYNTHIA's 16) maps
    the other classes to 255.
    """
    METAINFO = dict(
        classes=CITYSCAPES_CLASSES,
        palette=[list(c) for c in CITYSCAPES_PALETTE])
    DATASET_NAME = 'GTA5'
    CONVERTER = 'python tools/convert_datasets/gta5.py {data_root}'

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '_labelTrainIds.png',
                 data_prefix: dict = dict(
                     img_path='images', seg_map_path='labels'),
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix,
            **kwargs)

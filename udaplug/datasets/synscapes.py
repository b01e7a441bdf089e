from udaplug.registry import DATASETS
from .base import CheckedSegDataset
from .label_sets import CITYSCAPES_CLASSES, CITYSCAPES_PALETTE


@DATASETS.register_module()
class SynscapesDataset(CheckedSegDataset):
    """Synscapes: ``img/rgb/<n>.png`` and ``img/class/<n>.png`` (Cityscapes
    label ids), converted by ``tools/convert_datasets/synscapes.py`` to
    ``img/class/<n>_labelTrainIds.png`` (19 Cityscapes classes)."""
    METAINFO = dict(
        classes=CITYSCAPES_CLASSES,
        palette=[list(c) for c in CITYSCAPES_PALETTE])
    DATASET_NAME = 'Synscapes'
    CONVERTER = 'python tools/convert_datasets/synscapes.py {data_root}'

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '_labelTrainIds.png',
                 data_prefix: dict = dict(
                     img_path='img/rgb', seg_map_path='img/class'),
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix,
            **kwargs)

from mmseg.datasets import CityscapesDataset as MMSegCityscapesDataset

from udaplug.registry import DATASETS
from .base import CheckedDatasetMixin


@DATASETS.register_module()
class CityscapesDataset(CheckedDatasetMixin, MMSegCityscapesDataset):
    """mmseg's :class:`~mmseg.datasets.CityscapesDataset` with udaplug's
    checks (missing folders, images without labels, class mismatches,
    corrupt files).

    Registered under the same name in the ``udaplug`` scope, so configs with
    ``default_scope='udaplug'`` get it; ``mmseg.CityscapesDataset`` is the
    unchecked one. Without ``seg_map_path`` in ``data_prefix`` (the
    unlabelled target of adaptation) no labels are loaded.
    Labels are ``*_gtFine_labelTrainIds.png``, written by
    ``tools/convert_datasets/cityscapes.py``.
    """
    DATASET_NAME = 'Cityscapes'
    CONVERTER = 'python tools/convert_datasets/cityscapes.py {data_root}'

    def __init__(self,
                 data_prefix: dict = dict(
                     img_path='leftImg8bit/train',
                     seg_map_path='gtFine/train'),
                 **kwargs) -> None:
        super().__init__(data_prefix=data_prefix, **kwargs)

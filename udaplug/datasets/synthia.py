from udaplug.registry import DATASETS
from .base import CheckedSegDataset
from .label_sets import SYNTHIA_CLASSES, SYNTHIA_PALETTE


@DATASETS.register_module()
class SynthiaDataset(CheckedSegDataset):
    """SYNTHIA-RAND-CITYSCAPES: ``RGB/NNNNNNN.png``, labels and depth as
    written by ``tools/convert_datasets/synthia.py``.

    Labels: ``GT/LABELS/NNNNNNN_labelTrainIds.png`` hold the 16-class train
    ids 0..15 of :data:`~udaplug.datasets.label_sets.SYNTHIA_CLASSES`
    (Cityscapes order without terrain, truck and train), so a 16-class model
    trains on them directly and predicts the classes it is evaluated on.
    ``metainfo=dict(classes=SYNTHIA13_CLASSES)`` trains on 13 classes; the
    usual 16/13-class reporting uses one 16-class model and
    :class:`~udaplug.evaluation.SubsetIoUMetric`.

    Depth (optional): with ``data_prefix['depth_path']='Depth/Depth'``, each
    sample gets ``depth_map_path`` = ``Depth/Depth/NNNNNNN_depth_cm.png``, the
    single-channel 16-bit map (centimetres) the converter derives from
    SYNTHIA's 3-channel depth PNG.
    """
    METAINFO = dict(
        classes=SYNTHIA_CLASSES, palette=[list(c) for c in SYNTHIA_PALETTE])
    DATASET_NAME = 'SYNTHIA'
    CONVERTER = 'python tools/convert_datasets/synthia.py {data_root}'
    HAS_DEPTH = True

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '_labelTrainIds.png',
                 depth_suffix: str = '_depth_cm.png',
                 data_prefix: dict = dict(
                     img_path='RGB', seg_map_path='GT/LABELS'),
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            depth_suffix=depth_suffix,
            data_prefix=data_prefix,
            **kwargs)

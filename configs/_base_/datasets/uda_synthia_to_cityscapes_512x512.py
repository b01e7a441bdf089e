# SYNTHIA -> Cityscapes, 16 classes (mIoU16 / mIoU13), with DAFormer's data
# protocol (official configs/_base_/datasets/
# uda_synthia_to_cityscapes_512x512.py): that of
# uda_gta5_to_cityscapes_512x512.py with SYNTHIA resized to fit 1280x760.
# DAFormer trains a 19-class model on SYNTHIA and reports
# mIoU16 = mIoU19 * 19 / 16 (its README); udaplug trains the 16 classes the
# SYNTHIA converter writes, as its other SYNTHIA configs. Datasets and
# classes as in uda_synthia_to_cityscapes.py.
_base_ = ['./uda_gta5_to_cityscapes_512x512.py', './synthia_classes.py']

source_data_root = 'data/synthia'
source_scale = (1280, 760)  # Resize(img_scale=(1280, 760))
source_pipeline = [
    dict(t, scale=source_scale) if t['type'] == 'Resize' else t
    for t in _base_.source_pipeline
]
train_dataloader = dict(
    dataset=dict(
        source=dict(
            type='SynthiaDataset',
            data_root=source_data_root,
            data_prefix=dict(img_path='RGB', seg_map_path='GT/LABELS'),
            pipeline=source_pipeline),
        target=dict(metainfo=dict(classes=_base_.synthia_classes))))
val_dataloader = dict(
    dataset=dict(metainfo=dict(classes=_base_.synthia_classes)))
test_dataloader = val_dataloader
val_evaluator = dict(
    all_name='mIoU16', subsets=dict(mIoU13=list(_base_.synthia13_classes)))
test_evaluator = val_evaluator

# SYNTHIA -> Cityscapes, 16 classes (mIoU16 / mIoU13), with DACS's data
# protocol of dacs_gta5_to_cityscapes.py. The official DACS code ships the
# GTA5 setting only; udaplug resizes SYNTHIA to its native 1280x760 (as
# AdaptSegNet's and DAFormer's SYNTHIA settings) before the 512x512 crop
# (not stated in the DACS code). Datasets and classes as in
# uda_synthia_to_cityscapes.py.
_base_ = ['./dacs_gta5_to_cityscapes.py', './synthia_classes.py']

source_data_root = 'data/synthia'
source_scale = (1280, 760)
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

# The embedded demo pair (python tools/make_demo_data.py, default data/demo):
# SYNTHIA-style synthetic source with depth -> Cityscapes-style "real"
# target, 16 classes, logging mIoU16 and mIoU13 like
# uda_synthia_to_cityscapes.py. Sizes, batch sizes, flips and loaders of
# uda_demo_gta5_to_cityscapes.py.
_base_ = ['./uda_demo_gta5_to_cityscapes.py', './synthia_classes.py']

source_data_root = _base_.demo_data_root + '/synthia'
# The demo's depth maps are centimetres, capped at 100 m
# (udaplug.datasets.demo.DEMO_DEPTH_RANGE); normalised to [0, 1] over that
# range, as GIO-Ada does over its dataset.
source_depth_range = (0, 10000)
source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='LoadDepthFromFile',
        depth_range=source_depth_range,
        normalize=True),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=_base_.source_scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]

# The target datasets map their labels to the 16 classes, as in
# uda_synthia_to_cityscapes.py.
train_dataloader = dict(
    dataset=dict(
        source=dict(
            type='SynthiaDataset',
            data_root=source_data_root,
            data_prefix=dict(
                img_path='RGB',
                seg_map_path='GT/LABELS',
                depth_path='Depth/Depth'),  # *_depth_cm.png
            pipeline=source_pipeline),
        target=dict(metainfo=dict(classes=_base_.synthia_classes))))
val_dataloader = dict(
    dataset=dict(metainfo=dict(classes=_base_.synthia_classes)))
test_dataloader = val_dataloader
val_evaluator = dict(
    all_name='mIoU16', subsets=dict(mIoU13=list(_base_.synthia13_classes)))
test_evaluator = val_evaluator

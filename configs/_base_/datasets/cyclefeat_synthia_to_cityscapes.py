# SYNTHIA-RAND-CITYSCAPES -> Cityscapes, 16 classes (mIoU16, Table 2; mIoU13
# logged too), with Toldo et al.'s data protocol (cyclefeat_protocol.py).
# Datasets, classes, loaders and the metric are
# uda_synthia_to_cityscapes.py's.
_base_ = ['./uda_synthia_to_cityscapes.py', './cyclefeat_protocol.py']

# Adaptation: official train_DA.py --width_res "1280 for SY" for both
# domains (SYNTHIA 1280x760 kept, Cityscapes -> 1280x640), then crops.
adapt_width = 1280
adapt_resize = dict(
    type='Resize', scale=(adapt_width, adapt_width), keep_ratio=True)
source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    adapt_resize,
    dict(type='RandomCrop', crop_size=_base_.crop_size),
    dict(type='PackSegInputs'),
]
target_pipeline = [
    dict(type='LoadImageFromFile'),
    adapt_resize,
    dict(type='RandomCrop', crop_size=_base_.crop_size),
    dict(type='PackSegInputs'),
]
test_pipeline = _base_.full_resolution_test_pipeline
train_batch_size = _base_.adapt_batch_size

# Pre-training: official train_S.py "1280 for SY" with 800x800 crops; its
# reader widens images whose height would fall below the crop to
# ceil(800 x 1280 / 760) = 1348 (1348x800).
pretrain_width = 1348
pretrain_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='Resize', scale=(pretrain_width, pretrain_width),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=_base_.pretrain_crop_size),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=train_batch_size,
    dataset=dict(
        source=dict(pipeline=source_pipeline),
        target=dict(pipeline=target_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

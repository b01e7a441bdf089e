# GTA5 -> Cityscapes, 19 classes, with Toldo et al.'s data protocol
# (cyclefeat_protocol.py). Roots, datasets, loaders and the metric (mIoU over
# the 19 classes, Table 1) are uda_gta5_to_cityscapes.py's.
_base_ = ['./uda_gta5_to_cityscapes.py', './cyclefeat_protocol.py']

# Adaptation: the official train_DA.py resizes both domains to --width_res
# 1536 ("1536 for GTA": GTA5 1914x1052 -> 1536x844, Cityscapes 2048x1024 ->
# 1536x768), bilinear (nearest for labels), then crops (Sec. 4).
adapt_width = 1536
# A long edge of adapt_width, aspect ratio kept: the width of these landscape
# images.
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

# Pre-training: official train_S.py crops GTA5 at its own width
# (--width_res 1914: no resize).
pretrain_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
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

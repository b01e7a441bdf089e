# GTA5 -> Cityscapes with the data protocol of Brehm et al. (ICAART 2022,
# Sec. 4.1-4.2): "All images in all experiments are re-scaled such that the
# longer side is 1024 pixels. For training, we crop 384 x 384 regions."
# GTA5 (1914x1052) -> 1024x563, Cityscapes (2048x1024) -> 1024x512; the 500
# Cityscapes val images are evaluated at 1024x512 against the full-size
# labels (mIoU19). Prepare the data with tools/convert_datasets/{gta5,
# cityscapes}.py (docs/datasets.md).
_base_ = ['./uda_gta5_to_cityscapes.py']

long_side = 1024  # Sec. 4.2
crop_size = (384, 384)  # Sec. 4.2
# Images per domain and step: not stated in the paper (see docs/sci2i.md).
train_batch_size = 4
# Random flips: not mentioned in the paper; none.
source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=(long_side, long_side), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PackSegInputs'),
]
target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(long_side, long_side), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PackSegInputs'),
]
# Target images with pseudo-labels (the I2I phase): the labels are cropped
# with the image.
target_pseudo_label_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=(long_side, long_side), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(long_side, long_side), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=train_batch_size,
    dataset=dict(
        source=dict(pipeline=source_pipeline),
        target=dict(pipeline=target_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

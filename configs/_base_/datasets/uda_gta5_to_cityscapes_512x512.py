# GTA5 -> Cityscapes with DAFormer's data protocol (official lhoyer/DAFormer
# configs/_base_/datasets/uda_gta_to_cityscapes_512x512.py). Test protocol
# and dataloaders of uda_gta5_to_cityscapes.py: Cityscapes val at 1024x512
# (the official test pipeline's img_scale), predictions upsampled to the
# full-size labels.
_base_ = ['./uda_gta5_to_cityscapes.py']

crop_size = (512, 512)  # crop_size
# Resize(img_scale=(1280, 720)) keeps the aspect ratio (mmcv's default):
# GTA5's 1914x1052 becomes 1280x704; OpenCV bilinear (mmcv's default).
source_scale = (1280, 720)
target_scale = (1024, 512)  # Resize(img_scale=(1024, 512))
# samples_per_gpu=2
train_batch_size = 2

source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=source_scale, keep_ratio=True),
    # RandomCrop(crop_size, cat_max_ratio=0.75): no class may cover more
    # than 75% of the crop (up to 10 tries)
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    # PhotoMetricDistortion is left out: DACS's colour jitter is applied in
    # the model (official comment: "is applied later in dacs.py")
    dict(type='PackSegInputs'),
]
# The official target pipeline loads the (unused) Cityscapes labels for its
# RandomCrop; without labels the crop is the same minus the class rule,
# which has no cat_max_ratio here anyway.
target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=target_scale, keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=_base_.test_scale, keep_ratio=True),
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

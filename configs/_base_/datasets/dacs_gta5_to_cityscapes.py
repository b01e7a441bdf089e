# GTA5 -> Cityscapes with DACS's data protocol (official vikolss/DACS:
# trainUDA.py, configs/configUDA.json, data/gta5_dataset.py,
# data/cityscapes_loader.py, data/augmentations.py). Test protocol and
# dataloaders of uda_gta5_to_cityscapes.py (Cityscapes val at 1024x512, the
# prediction upsampled to the full-size labels).
_base_ = ['./uda_gta5_to_cityscapes.py']

# "input_size": "512,512", "crop": true -> 512x512 random crops.
crop_size = (512, 512)
# gta5_dataset.py: images resized (not cropped) to img_size=(1280, 720) with
# PIL bicubic, labels nearest, then RandomCrop_gta(512x512) (no class-ratio
# rule); no flip ("flip": false), no random scaling ("scale": false).
source_scale = (1280, 720)
# cityscapes_loader.py + RandomCrop_city: 2048x1024 images halved to
# 1024x512 (PIL bilinear), then a 512x512 random crop.
target_scale = (1024, 512)
# "batch_size": 2 (two source and two target images per step).
train_batch_size = 2

source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='Resize',
        scale=source_scale,
        keep_ratio=False,
        interpolation='bicubic',
        backend='pillow'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PackSegInputs'),
]
target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='Resize',
        scale=target_scale,
        keep_ratio=False,
        interpolation='bilinear',
        backend='pillow'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=train_batch_size,
    dataset=dict(
        source=dict(pipeline=source_pipeline),
        target=dict(pipeline=target_pipeline)))
# Evaluation: DACS's evaluateUDA.py reads Cityscapes val with the same
# cityscapes_loader.py, so the val images are halved to 1024x512 with PIL
# bilinear as in training (one resizing per domain); the prediction is
# upsampled to the full-size labels as in uda_gta5_to_cityscapes.py.
test_pipeline = [
    dict(t, interpolation='bilinear') if t['type'] == 'Resize' else t
    for t in _base_.test_pipeline
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# GTA5 -> Cityscapes, 19 classes, with AdaptSegNet's data protocol as in its
# official code (train_gta2cityscapes_multi.py, evaluate_cityscapes.py,
# dataset/gta5_dataset.py, dataset/cityscapes_dataset.py).
# Prepare the data with tools/convert_datasets/{gta5,cityscapes}.py (see
# docs/datasets.md). Dataloaders and metric: uda_loaders.py.
_base_ = ['./uda_loaders.py']

# Top-level variables a method config can read (``{{_base_.source_scale}}``)
# or replace together with the pipelines that use them:
source_data_root = 'data/gta5'
target_data_root = 'data/cityscapes'
# Official code: --input-size 1280,720; GTA5 images (1914x1052) are resized
# (not cropped) to 1280x720, bicubic for images, nearest for labels.
source_scale = (1280, 720)
# Official code: --input-size-target 1024,512; Cityscapes train images
# (2048x1024) resized to 1024x512, bicubic.
target_scale = (1024, 512)
# evaluate_cityscapes.py: the 500 val images are fed at 1024x512 and the
# output is upsampled to the label size 2048x1024. Here LoadAnnotations comes
# after Resize, so labels keep their full resolution and mmseg resizes the
# prediction to it.
test_scale = (1024, 512)
# Official code: --batch-size 1 (one source and one target image per step);
# no random mirror, no random scaling (both default off).
train_batch_size = 1
# The official datasets resize with PIL (Image.BICUBIC for images,
# Image.NEAREST for labels): backend='pillow' gives the same filters.

source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='Resize',
        scale=source_scale,
        keep_ratio=False,
        interpolation='bicubic',
        backend='pillow'),
    dict(type='PackSegInputs'),
]
# The target training pipeline loads no labels.
target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='Resize',
        scale=target_scale,
        keep_ratio=False,
        interpolation='bicubic',
        backend='pillow'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='Resize',
        scale=test_scale,
        keep_ratio=False,
        interpolation='bicubic',
        backend='pillow'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=train_batch_size,
    dataset=dict(
        source=dict(
            type='GTA5Dataset',
            data_root=source_data_root,
            data_prefix=dict(img_path='images', seg_map_path='labels'),
            pipeline=source_pipeline),
        target=dict(
            type='CityscapesDataset',
            data_root=target_data_root,
            data_prefix=dict(img_path='leftImg8bit/train'),
            pipeline=target_pipeline)))
val_dataloader = dict(
    dataset=dict(
        type='CityscapesDataset',
        data_root=target_data_root,
        data_prefix=dict(
            img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# The metric of uda_loaders.py: mIoU over the 19 classes (AdaptSegNet
# Table 1), plus IoU per class.

# SYNTHIA-RAND-CITYSCAPES -> Cityscapes, 16 classes (Cityscapes' 19 without
# terrain, truck and train), reported as mIoU16 and mIoU13 (also without
# wall, fence and pole; AdaptSegNet's "mIoU*", GIO-Ada's Table 4).
# Protocol of AdaptSegNet's official code; prepare the data with
# tools/convert_datasets/{synthia,cityscapes}.py (see docs/datasets.md).
source_data_root = 'data/synthia'
target_data_root = 'data/cityscapes'
# AdaptSegNet's SYNTHIA input size: images (1280x760) used at 1280x760.
source_scale = (1280, 760)
# As for GTA5: target 1024x512, evaluation at 1024x512 upsampled to the
# 2048x1024 labels (LoadAnnotations after Resize keeps labels full size).
target_scale = (1024, 512)
test_scale = (1024, 512)
train_batch_size = 1  # official code: --batch-size 1, no mirror/scaling
# The 16 classes in Cityscapes order (= udaplug.datasets.label_sets.
# SYNTHIA_CLASSES, the train ids 0..15 the SYNTHIA converter writes). The
# Cityscapes datasets get them too, so their 19-class labels are mapped to
# these 16 (the other three become 255).
synthia_classes = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
                   'traffic light', 'traffic sign', 'vegetation', 'sky',
                   'person', 'rider', 'car', 'bus', 'motorcycle', 'bicycle')
synthia13_classes = ('road', 'sidewalk', 'building', 'traffic light',
                     'traffic sign', 'vegetation', 'sky', 'person', 'rider',
                     'car', 'bus', 'motorcycle', 'bicycle')

source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=source_scale, keep_ratio=False,
         interpolation='bicubic'),
    dict(type='PackSegInputs'),
]
target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=target_scale, keep_ratio=False,
         interpolation='bicubic'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=test_scale, keep_ratio=False,
         interpolation='bicubic'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=train_batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='UDADataset',
        source=dict(
            type='SynthiaDataset',
            data_root=source_data_root,
            data_prefix=dict(img_path='RGB', seg_map_path='GT/LABELS'),
            pipeline=source_pipeline),
        target=dict(
            type='CityscapesDataset',
            data_root=target_data_root,
            data_prefix=dict(img_path='leftImg8bit/train'),
            metainfo=dict(classes=synthia_classes),
            pipeline=target_pipeline),
        target_sampling='random'))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CityscapesDataset',
        data_root=target_data_root,
        data_prefix=dict(
            img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        metainfo=dict(classes=synthia_classes),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='SubsetIoUMetric',
    iou_metrics=['mIoU'],
    all_name='mIoU16',
    subsets=dict(mIoU13=list(synthia13_classes)))
test_evaluator = val_evaluator

# The embedded demo pair (python tools/make_demo_data.py, default data/demo):
# SYNTHIA-style synthetic source with depth -> Cityscapes-style "real"
# target, 16 classes, logging mIoU16 and mIoU13 like
# uda_synthia_to_cityscapes.py.
demo_data_root = 'data/demo'
# shown by the datasets when the demo data is missing
demo_prepare = 'python tools/make_demo_data.py'
# Half the demo's 256x128 image size (width x height), to train in minutes on
# two CPU cores; metrics at the labels' 256x128 (LoadAnnotations follows
# Resize).
source_scale = (128, 64)
target_scale = (128, 64)
test_scale = (128, 64)
train_batch_size = 4  # images per domain and step
# The demo's depth maps are centimetres, capped at 100 m
# (udaplug.datasets.demo.DEMO_DEPTH_RANGE); normalised to [0, 1] over that
# range, as GIO-Ada does over its dataset.
source_depth_range = (0, 10000)
synthia_classes = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
                   'traffic light', 'traffic sign', 'vegetation', 'sky',
                   'person', 'rider', 'car', 'bus', 'motorcycle', 'bicycle')
synthia13_classes = ('road', 'sidewalk', 'building', 'traffic light',
                     'traffic sign', 'vegetation', 'sky', 'person', 'rider',
                     'car', 'bus', 'motorcycle', 'bicycle')

source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthFromFile', depth_range=source_depth_range,
         normalize=True),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=source_scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=target_scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=test_scale, keep_ratio=False),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=train_batch_size,
    num_workers=0,  # small PNGs; workers would compete for 2 CPU cores
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='UDADataset',
        source=dict(
            type='SynthiaDataset',
            data_root=demo_data_root + '/synthia',
            prepare_hint=demo_prepare,
            data_prefix=dict(
                img_path='RGB',
                seg_map_path='GT/LABELS',
                depth_path='Depth/Depth'),  # *_depth_cm.png
            pipeline=source_pipeline),
        target=dict(
            type='CityscapesDataset',
            data_root=demo_data_root + '/cityscapes',
            prepare_hint=demo_prepare,
            data_prefix=dict(img_path='leftImg8bit/train'),
            metainfo=dict(classes=synthia_classes),
            pipeline=target_pipeline),
        target_sampling='random'))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,  # small PNGs; workers would compete for 2 CPU cores
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CityscapesDataset',
        data_root=demo_data_root + '/cityscapes',
        prepare_hint=demo_prepare,
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

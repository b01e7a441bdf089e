# The embedded demo pair (python tools/make_demo_data.py, default data/demo):
# GTA5-style synthetic source -> Cityscapes-style "real" target, 19 classes.
# Same structure as uda_gta5_to_cityscapes.py, at the demo's size.
demo_data_root = 'data/demo'
# shown by the datasets when the demo data is missing
demo_prepare = 'python tools/make_demo_data.py'
# make_demo_data.py writes 256x128 (width x height) images; the demo configs
# train and predict at half that size so that they train in minutes on two
# CPU cores. Metrics are computed at the labels' 256x128 (LoadAnnotations
# follows Resize).
source_scale = (128, 64)
target_scale = (128, 64)
test_scale = (128, 64)
train_batch_size = 4  # images per domain and step; small enough for a CPU

source_pipeline = [
    dict(type='LoadImageFromFile'),
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
            type='GTA5Dataset',
            data_root=demo_data_root + '/gta5',
            prepare_hint=demo_prepare,
            data_prefix=dict(img_path='images', seg_map_path='labels'),
            pipeline=source_pipeline),
        target=dict(
            type='CityscapesDataset',
            data_root=demo_data_root + '/cityscapes',
            prepare_hint=demo_prepare,
            data_prefix=dict(img_path='leftImg8bit/train'),
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
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='SubsetIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

# The embedded demo pair (python tools/make_demo_data.py, default data/demo):
# GTA5-style synthetic source -> Cityscapes-style "real" target, 19 classes.
# Same structure as uda_gta5_to_cityscapes.py, at the demo's size.
demo_data_root = 'data/demo'
# shown by the datasets when the demo data is missing
demo_prepare = 'python tools/make_demo_data.py'
# make_demo_data.py writes 256x128 (width x height) images; both domains
# train at that size. Method configs that want a cheaper run can replace the
# pipelines with a smaller Resize (the labels of the val pipeline stay at
# 256x128 because LoadAnnotations follows Resize).
source_scale = (256, 128)
target_scale = (256, 128)
test_scale = (256, 128)
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
    num_workers=2,
    persistent_workers=True,
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
    num_workers=2,
    persistent_workers=True,
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

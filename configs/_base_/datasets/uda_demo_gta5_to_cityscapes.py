# The embedded demo pair (python tools/make_demo_data.py, default data/demo):
# GTA5-style synthetic source -> Cityscapes-style "real" target, 19 classes.
# uda_gta5_to_cityscapes.py at the demo's size: other roots, sizes and batch
# sizes, horizontal flips, no loader workers.
_base_ = ['./uda_gta5_to_cityscapes.py']

demo_data_root = 'data/demo'
# shown by the datasets when the demo data is missing
demo_prepare = 'python tools/make_demo_data.py'
source_data_root = demo_data_root + '/gta5'
target_data_root = demo_data_root + '/cityscapes'
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
    dataset=dict(
        source=dict(
            data_root=source_data_root,
            prepare_hint=demo_prepare,
            pipeline=source_pipeline),
        target=dict(
            data_root=target_data_root,
            prepare_hint=demo_prepare,
            pipeline=target_pipeline)))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,  # small PNGs; workers would compete for 2 CPU cores
    persistent_workers=False,
    dataset=dict(
        data_root=target_data_root,
        prepare_hint=demo_prepare,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

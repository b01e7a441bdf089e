# The embedded demo pair (python tools/make_demo_data.py, default data/demo)
# for Toldo et al.'s demo configs: uda_demo_gta5_to_cityscapes.py (GTA5-style
# source, Cityscapes-style target, 19 classes, images resized to 128x64)
# with the protocol's batch sizes (cyclefeat_protocol.py) and, as the
# official reader, without flipping. At 128x64 the 600x600 / 800x800 crops
# of the full-size configs would cover the whole image: no crops.
_base_ = ['./uda_demo_gta5_to_cityscapes.py', './cyclefeat_protocol.py']
source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=_base_.source_scale, keep_ratio=False),
    dict(type='PackSegInputs'),
]
target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=_base_.target_scale, keep_ratio=False),
    dict(type='PackSegInputs'),
]
pretrain_pipeline = source_pipeline
train_batch_size = _base_.adapt_batch_size
train_dataloader = dict(
    batch_size=train_batch_size,
    dataset=dict(
        source=dict(pipeline=source_pipeline),
        target=dict(pipeline=target_pipeline)))

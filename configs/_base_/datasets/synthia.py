# Source-only training on SYNTHIA (16 classes), evaluated on Cityscapes val
# (mIoU16 and mIoU13): the data of uda_synthia_to_cityscapes.py without the
# target training set.
_base_ = ['./uda_synthia_to_cityscapes.py']
train_dataloader = dict(
    _delete_=True,
    batch_size=_base_.train_batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='SynthiaDataset',
        data_root=_base_.source_data_root,
        data_prefix=dict(img_path='RGB', seg_map_path='GT/LABELS'),
        pipeline=_base_.source_pipeline))

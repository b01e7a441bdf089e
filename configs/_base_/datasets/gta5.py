# Source-only training on GTA5, evaluated on Cityscapes val: the data of
# uda_gta5_to_cityscapes.py without the target training set.
_base_ = ['./uda_gta5_to_cityscapes.py']
train_dataloader = dict(
    _delete_=True,
    batch_size=_base_.train_batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='GTA5Dataset',
        data_root=_base_.source_data_root,
        data_prefix=dict(img_path='images', seg_map_path='labels'),
        pipeline=_base_.source_pipeline))

# Source-only training on Virtual KITTI (10 classes, with depth), evaluated
# on the 200 KITTI training images: the data of uda_vkitti_to_kitti.py
# without the target training set.
_base_ = ['./uda_vkitti_to_kitti.py']
train_dataloader = dict(
    _delete_=True,
    batch_size=_base_.train_batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='VKittiDataset',
        data_root=_base_.source_data_root,
        data_prefix=dict(
            img_path='vkitti_1.3.1_rgb',
            seg_map_path='vkitti_1.3.1_scenegt',
            depth_path='vkitti_1.3.1_depthgt'),
        pipeline=_base_.source_pipeline))

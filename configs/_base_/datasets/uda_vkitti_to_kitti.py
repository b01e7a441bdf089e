# Virtual KITTI 1.3.1 -> KITTI, GIO-Ada's 10 classes (Table 1: road,
# building, pole, traffic light, traffic sign, vegetation, terrain, sky, car,
# truck), with source depth. Prepare the data with
# tools/convert_datasets/{vkitti,kitti}.py (see docs/datasets.md).
# Dataloaders: uda_loaders.py.
_base_ = ['./uda_loaders.py']

source_data_root = 'data/vkitti'
target_data_root = 'data/kitti'
# GIO-Ada (Sec. 3.5): "Random horizontal flip is used for data
# augmentation" - the only augmentation; the paper gives no input size, so
# images keep their native size (about 1242x375 in both datasets).
flip_prob = 0.5
# GIO-Ada (Sec. 3.5): "Each mini-batch contains two images, one from the
# source domain and the other sampled from the target domain".
train_batch_size = 1
# GIO-Ada (Sec. 3.2): "the depth map is normalized into a range of [0, 1]
# among all images in the dataset". Virtual KITTI depth is uint16 in cm,
# with 65535 (655.35 m) as the far limit (sky), so (0, 65535) cm maps to
# [0, 1]. tools/convert_datasets/vkitti.py prints the range it finds.
source_depth_range = (0, 65535)

source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='LoadDepthFromFile',
        depth_range=source_depth_range,
        normalize=True),
    dict(type='LoadAnnotations'),
    dict(type='RandomFlip', prob=flip_prob),
    dict(type='PackSegInputs'),
]
target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=flip_prob),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=train_batch_size,
    dataset=dict(
        source=dict(
            type='VKittiDataset',
            data_root=source_data_root,
            # all worlds and variations: GIO-Ada uses all 21,260 images
            data_prefix=dict(
                img_path='vkitti_1.3.1_rgb',
                seg_map_path='vkitti_1.3.1_scenegt',
                depth_path='vkitti_1.3.1_depthgt'),
            pipeline=source_pipeline),
        # GIO-Ada (Sec. 4.1): "we use the official unlabeled test images to
        # adapt our model, and we report the results on the official
        # training set" (200 + 200 images).
        target=dict(
            type='KittiSegDataset',
            label_set='gioada10',
            data_root=target_data_root,
            data_prefix=dict(img_path='testing/image_2'),
            pipeline=target_pipeline)))
val_dataloader = dict(
    dataset=dict(
        type='KittiSegDataset',
        label_set='gioada10',
        data_root=target_data_root,
        data_prefix=dict(
            img_path='training/image_2', seg_map_path='training/semantic'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(all_name='mIoU10')
test_evaluator = val_evaluator

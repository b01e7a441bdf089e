# GIO-Ada, SYNTHIA-RAND-CITYSCAPES -> Cityscapes, 16 classes (Chen et al.,
# CVPR 2019, Table 4 "GIO-Ada": 37.3 mIoU16, 43.0 mIoU13 with VGG-16).
# Logs mIoU16 and mIoU13 (SubsetIoUMetric of the dataset config).
#
#   python tools/train.py configs/gioada_synthia.py
#
# Data: configs/_base_/datasets/uda_synthia_to_cityscapes.py (SYNTHIA at its
# native 1280x760, Cityscapes at 1024x512 as in Sec. 4.1), plus what GIO-Ada
# needs on top: source depth and horizontal flipping.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/gioada_vgg16.py',
    './_base_/datasets/uda_synthia_to_cityscapes.py',
    './_base_/schedules/gioada_adam.py',
]
num_classes = 16  # SYNTHIA's 16 Cityscapes classes (Table 4)
model = dict(
    segmentor=dict(decode_head=dict(num_classes=num_classes)),
    # image (3) + one-hot semantics (C) + normalised depth (1), Sec. 3.2
    generators=dict(gen_img=dict(in_channels=3 + num_classes + 1)),
    # softmax semantics (C) + depth (1), Sec. 3.3
    discriminators=dict(disc_output=dict(in_channels=num_classes + 1)))

# Sec. 3.2: depth "normalized into a range of [0, 1] among all images in the
# dataset". SYNTHIA's converted depth is uint16 centimetres; (0, 65535) is
# the full range of the format. tools/convert_datasets/synthia.py prints the
# range over the dataset: use it here to normalise exactly as Sec. 3.2.
synthia_depth_range = (0, 65535)
flip_prob = 0.5  # Sec. 3.5: random horizontal flip, the only augmentation
# Resizing: not stated in the paper (no code is published at the address it
# gives). Its Cityscapes protocol, "down-size the images to half resolution
# (at 1024 x 512 pixels)" as "a common practice" (Sec. 4.1), is the one of
# AdaptSegNet's official code that the dataset config follows: PIL bicubic
# for images, nearest for labels. The target (Cityscapes) is resized with
# PIL in training as in the dataset config's validation, so target images
# look alike in adaptation and evaluation (OpenCV's bicubic does not
# antialias when it shrinks 2048x1024 to 1024x512; PIL's does).
target_resize_backend = 'pillow'
# The source keeps OpenCV: its pipeline also resizes the float depth map,
# which mmcv's PIL backend cannot (uint8 only). At the configured size the
# source resize is the identity (SYNTHIA is 1280x760), so the backend does
# not change the source images; no source images are evaluated.
source_resize_backend = 'cv2'
source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='LoadDepthFromFile',
        depth_range=synthia_depth_range,
        normalize=True),
    dict(type='LoadAnnotations'),
    dict(
        type='Resize',
        scale=_base_.source_scale,
        keep_ratio=False,
        interpolation='bicubic',  # label and depth: nearest
        backend=source_resize_backend),
    dict(type='RandomFlip', prob=flip_prob),
    dict(type='PackSegInputs'),
]
target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='Resize',
        scale=_base_.target_scale,
        keep_ratio=False,
        interpolation='bicubic',
        backend=target_resize_backend),
    dict(type='RandomFlip', prob=flip_prob),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        source=dict(
            data_prefix=dict(depth_path='Depth/Depth'),  # *_depth_cm.png
            pipeline=source_pipeline),
        target=dict(pipeline=target_pipeline)))

# "The network is trained for 10 epochs" (Sec. 3.5) over the 9,400
# SYNTHIA-RAND-CITYSCAPES images (Sec. 4.1), one source image per iteration.
source_size = 9400
max_iters = 10 * source_size  # 94,000 iterations
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=source_size)
default_hooks = dict(checkpoint=dict(interval=source_size))  # every epoch

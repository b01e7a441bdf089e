# GIO-Ada, Virtual KITTI -> KITTI, 10 classes (Chen et al., CVPR 2019):
# input- and output-level adaptation with semantics + depth (Table 1
# "GIO-Ada": 53.5 mIoU over 10 classes; non-adapted baseline 37.5).
#
#   python tools/train.py configs/gioada_vkitti2kitti.py
#
# Data: configs/_base_/datasets/uda_vkitti_to_kitti.py (source depth loaded
# and normalised to [0, 1] over the dataset, Sec. 3.2; horizontal flip only,
# Sec. 3.5; adaptation on the 200 KITTI test images, evaluation on the 200
# training images, Sec. 4.1).
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/gioada_vgg16.py',
    './_base_/datasets/uda_vkitti_to_kitti.py',
    './_base_/schedules/gioada_adam.py',
]
num_classes = 10  # the 10 classes Virtual KITTI and KITTI share (Table 1)
model = dict(
    segmentor=dict(decode_head=dict(num_classes=num_classes)),
    # image (3) + one-hot semantics (C) + normalised depth (1), Sec. 3.2
    generators=dict(gen_img=dict(in_channels=3 + num_classes + 1)),
    # softmax semantics (C) + depth (1), Sec. 3.3
    discriminators=dict(disc_output=dict(in_channels=num_classes + 1)))

# "The network is trained for 10 epochs" (Sec. 3.5) over Virtual KITTI's
# 21,260 images (Sec. 4.1) with one source image per iteration (Sec. 3.5).
source_size = 21260
max_iters = 10 * source_size  # 212,600 iterations
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=source_size)
default_hooks = dict(checkpoint=dict(interval=source_size))  # every epoch

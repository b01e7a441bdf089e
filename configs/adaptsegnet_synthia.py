# AdaptSegNet, SYNTHIA -> Cityscapes, multi-level (Tsai et al., CVPR 2018,
# Table 4: 46.7 mIoU over 13 classes), logging mIoU16 and mIoU13.
# The official code has no SYNTHIA script; the paper trains it like GTA5
# (Sec. 6.1), so every hyper-parameter is the GTA5 one (see the _base_ files)
# except the 16 classes and SYNTHIA's 1280x760 input size.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/adaptsegnet_deeplabv2_r101.py',
    './_base_/datasets/uda_synthia_to_cityscapes.py',
    './_base_/schedules/adaptsegnet_sgd_poly.py',
]
num_classes = 16  # SYNTHIA's 16 classes shared with Cityscapes
model = dict(
    segmentor=dict(
        decode_head=dict(num_classes=num_classes),
        auxiliary_head=dict(num_classes=num_classes)),
    discriminators=dict(
        disc_main=dict(in_channels=num_classes),
        disc_aux=dict(in_channels=num_classes)))
# Converted DeepLab_resnet_pretrained_init-f81d91e8.pth, see adaptsegnet_gta.py
load_from = 'checkpoints/adaptsegnet_deeplabv2_r101_init.pth'

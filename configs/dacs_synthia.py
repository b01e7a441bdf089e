# DACS, SYNTHIA -> Cityscapes (Tranheden et al., WACV 2021, Table 2: 48.3
# mIoU16, 54.8 mIoU13): dacs_gta.py with 16 classes on the SYNTHIA data of
# _base_/datasets/dacs_synthia_to_cityscapes.py (logs mIoU16 and mIoU13).
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/dacs_deeplabv2_r101.py',
    './_base_/datasets/dacs_synthia_to_cityscapes.py',
    './_base_/schedules/dacs_sgd_poly.py',
]
num_classes = 16
model = dict(segmentor=dict(decode_head=dict(num_classes=num_classes)))
# The COCO-pretrained DeepLab-v2 init of dacs_gta.py.
load_from = 'checkpoints/adaptsegnet_deeplabv2_r101_init.pth'

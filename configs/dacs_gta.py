# DACS, GTA5 -> Cityscapes (Tranheden et al., WACV 2021, Table 1: 52.1
# mIoU), with the official code's settings (vikolss/DACS trainUDA.py,
# configs/configUDA.json): DeepLab-v2 ResNet-101, mean teacher (alpha 0.99),
# ClassMix, colour jitter and blur, SGD 2.5e-4 poly 250k, batch 2, 512x512
# crops.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/dacs_deeplabv2_r101.py',
    './_base_/datasets/dacs_gta5_to_cityscapes.py',
    './_base_/schedules/dacs_sgd_poly.py',
]
# "pretrained": "coco": the official code starts from AdvSemiSeg's
# MS-COCO-pretrained DeepLab-v2 (resnet101COCO-41f33a49.pth), the kind of
# init AdaptSegNet distributes as DeepLab_resnet_pretrained_init-f81d91e8.pth
# (whether the two files hold identical weights is not verified here). The
# latter, converted with
#   python tools/convert_models/adaptsegnet.py \
#       DeepLab_resnet_pretrained_init-f81d91e8.pth \
#       checkpoints/adaptsegnet_deeplabv2_r101_init.pth
load_from = 'checkpoints/adaptsegnet_deeplabv2_r101_init.pth'

# AdaptSegNet, GTA5 -> Cityscapes, multi-level, vanilla GAN (Tsai et al.,
# CVPR 2018, Table 1 "Ours (multi-level)": 42.4 mIoU), with the official
# code's hyper-parameters (train_gta2cityscapes_multi.py).
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/adaptsegnet_deeplabv2_r101.py',
    './_base_/datasets/uda_gta5_to_cityscapes.py',
    './_base_/schedules/adaptsegnet_sgd_poly.py',
]
# RESTORE_FROM: the ImageNet/COCO-pretrained DeepLab-v2 init
# (DeepLab_resnet_pretrained_init-f81d91e8.pth), converted with
#   python tools/convert_models/adaptsegnet.py \
#       DeepLab_resnet_pretrained_init-f81d91e8.pth \
#       checkpoints/adaptsegnet_deeplabv2_r101_init.pth
load_from = 'checkpoints/adaptsegnet_deeplabv2_r101_init.pth'

# Brehm et al. (ICAART 2022), phase (a): the warm-up model M0, a mean
# teacher trained on GTA5 (labels) and Cityscapes (consistency), Sec. 3.3;
# its teacher writes the pseudo-labels of the I2I phase. Alone, this is the
# "+SSL" row of Table 4 (39.2 mIoU19): configs/sci2i_gta_ssl_only.py.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sci2i_vgg16.py',
    '../_base_/datasets/sci2i_gta5_to_cityscapes.py',
    '../_base_/schedules/sci2i_segmentation_adam.py',
]
model = _base_.mean_teacher

# No adaptation: DeepLab-v2 ResNet-101 trained on GTA5 only, evaluated on
# Cityscapes val (Tsai et al., CVPR 2018, Table 1 "Baseline (ResNet)": 36.6).
# Same network (single-level), init, optimiser and schedule as the
# AdaptSegNet configs, without the target domain and discriminators.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/adaptsegnet_deeplabv2_r101.py',
    './_base_/datasets/gta5.py',
    './_base_/schedules/adaptsegnet_sgd_poly.py',
]
model = dict(
    _delete_=True,
    _scope_='udaplug',  # see configs/_base_/default_runtime.py
    type='SourceOnly',
    data_preprocessor=_base_.data_preprocessor,
    segmentor=dict(_base_.segmentor, auxiliary_head=None))
# Converted DeepLab_resnet_pretrained_init-f81d91e8.pth, see adaptsegnet_gta.py
load_from = 'checkpoints/adaptsegnet_deeplabv2_r101_init.pth'

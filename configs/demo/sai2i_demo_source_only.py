# Musto & Zinelli on the embedded demo pair: M0, the segmentor trained on
# the GTA5-style source alone (the first stage of configs/demo/
# sai2i_demo.py, and the source-only baseline it is compared with: same
# segmentor, initialisation and schedule). The segmentor is the demo's
# half-width DeepLab-v2 ResNet-18 in the single-level layout of the paper's
# "D" network (sai2i_deeplabv2_r18.py), from random weights; data and
# schedule those of configs/demo/source_only_demo.py.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sai2i_deeplabv2_r18.py',
    '../_base_/datasets/demo_gta5.py',
    '../_base_/schedules/demo_sgd_poly.py',
]
model = dict(
    _delete_=True,
    _scope_='udaplug',  # see configs/_base_/default_runtime.py
    type='SourceOnly',
    data_preprocessor=_base_.data_preprocessor,
    segmentor=_base_.segmentor)
# the source batch of the other demo configs
train_dataloader = dict(batch_size=4)

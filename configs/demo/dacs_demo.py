# DACS on the embedded demo pair (tools/make_demo_data.py): the GTA5-style
# synthetic source -> the Cityscapes-style "real" target, 19 classes,
# compared by tools/demo.py with configs/demo/source_only_demo.py and
# configs/demo/adaptsegnet_demo.py.
#
#   python tools/make_demo_data.py
#   OMP_NUM_THREADS=1 python tools/train.py configs/demo/dacs_demo.py
#
# The method is the one of configs/dacs_gta.py (_base_/models/
# dacs_deeplabv2_r101.py: mean teacher with alpha 0.99 and its warm-up,
# pseudo-label weight from the 0.968 confidence fraction, ClassMix, colour
# jitter and Gaussian blur with DACS's strengths). Shrunk for the demo as
# the other demo configs: the segmentor of source_only_demo.py and
# adaptsegnet_demo.py (half-width multi-level ResNet-18 DeepLab-v2 from
# random weights, _base_/models/adaptsegnet_deeplabv2_r18.py), 128x64 images
# (4 per domain and step, whole images instead of 512x512 crops, flips),
# and their short schedule (_base_/schedules/demo_sgd_poly.py: 600
# iterations, lr 0.01, gradient clipping). Not a reproduction of the paper.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/dacs_deeplabv2_r101.py',
    '../_base_/datasets/uda_demo_gta5_to_cityscapes.py',
    '../_base_/schedules/demo_sgd_poly.py',
]
# adaptsegnet_deeplabv2_r18.py: ResNet-18 at half width (layer3 128 and
# layer4 256 channels) and its auxiliary classifier on layer3 (weight 0.1).
model = dict(
    segmentor=dict(
        backbone=dict(depth=18, stem_channels=32, base_channels=32),
        decode_head=dict(in_channels=256),
        auxiliary_head=dict(
            _base_.classifier,
            _delete_=True,
            in_channels=128,
            in_index=0,
            loss_decode=dict(_base_.seg_loss, loss_weight=0.1))))
optim_wrapper = dict(
    _delete_=True,
    constructor='UDAOptimWrapperConstructor',
    segmentor=_base_.segmentor_optim_wrapper)

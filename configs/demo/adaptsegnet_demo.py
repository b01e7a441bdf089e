# AdaptSegNet on the embedded demo pair (tools/make_demo_data.py): the
# GTA5-style synthetic source -> the Cityscapes-style "real" target, 19
# classes, trained in a few CPU minutes by `make demo` (tools/demo.py), which
# compares it with configs/demo/source_only_demo.py.
#
#   python tools/make_demo_data.py
#   python tools/train.py configs/demo/adaptsegnet_demo.py
#
# The method is the one of configs/adaptsegnet_gta.py (multi-level, the
# official loss weights, discriminators and optimisers); what is shrunk for
# the demo: a half-width ResNet-18 DeepLab-v2 from random weights, 128x64
# images (4 per domain and step) and the
# short schedule of _base_/schedules/demo_sgd_poly.py.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/adaptsegnet_deeplabv2_r18.py',
    '../_base_/datasets/uda_demo_gta5_to_cityscapes.py',
    '../_base_/schedules/demo_sgd_poly.py',
]

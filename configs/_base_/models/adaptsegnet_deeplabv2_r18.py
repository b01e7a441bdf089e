# A small AdaptSegNet for the embedded demo pair: the multi-level model of
# adaptsegnet_deeplabv2_r101.py with a half-width DeepLab-v2 ResNet-18
# backbone (BasicBlock, 32 base channels, same strides and dilations: layer3
# 128 and layer4 256 channels), trained from scratch (no ImageNet init on a
# machine without downloads), so that it trains in minutes on a CPU.
_base_ = ['./adaptsegnet_deeplabv2_r101.py']
model = dict(
    segmentor=dict(
        backbone=dict(depth=18, stem_channels=32, base_channels=32),
        decode_head=dict(in_channels=256),
        auxiliary_head=dict(in_channels=128)))

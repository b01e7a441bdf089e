# A small AdaptSegNet for the embedded demo pair: the multi-level model of
# adaptsegnet_deeplabv2_r101.py with a DeepLab-v2 ResNet-18 backbone (BasicBlock,
# same strides/dilations: layer3 256 and layer4 512 channels), trained from
# scratch (no ImageNet init on a machine without downloads).
_base_ = ['./adaptsegnet_deeplabv2_r101.py']
model = dict(
    segmentor=dict(
        backbone=dict(depth=18, norm_eval=False),
        decode_head=dict(in_channels=512),
        auxiliary_head=dict(in_channels=256)))

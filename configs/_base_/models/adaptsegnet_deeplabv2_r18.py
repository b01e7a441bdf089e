# A small AdaptSegNet for the embedded demo pair: the multi-level model of
# adaptsegnet_deeplabv2_r101.py with a half-width DeepLab-v2 ResNet-18
# backbone (BasicBlock, 32 base channels, same strides and dilations: layer3
# 128 and layer4 256 channels), trained from scratch (no ImageNet init on a
# machine without downloads), so that it trains in minutes on a CPU.
_base_ = ['./adaptsegnet_deeplabv2_r101.py']
# The discriminators are narrowed like the segmentor: half the official
# widths (64-128-256-512, model/discriminator.py), same depth, kernels,
# strides and activations. At full width they took about 60 % of an
# AdaptSegNet iteration of the demo on a CPU.
discriminator = dict(
    type='FCDiscriminator',
    in_channels=_base_.num_classes,
    channels=(32, 64, 128, 256))
model = dict(
    segmentor=dict(
        backbone=dict(depth=18, stem_channels=32, base_channels=32),
        decode_head=dict(in_channels=256),
        auxiliary_head=dict(in_channels=128)),
    discriminators=dict(disc_main=discriminator, disc_aux=discriminator))

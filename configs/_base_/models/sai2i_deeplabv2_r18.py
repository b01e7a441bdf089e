# A small version of sai2i_deeplabv2_r101.py for the embedded demo pair:
# the same single-level DeepLab-v2 (four ASPP branches summed), output
# discriminator and loss weights, with the demo's half-width DeepLab-v2
# ResNet-18 backbone (BasicBlock, 32 base channels, same strides and
# dilations: layer4 has 256 channels), trained from scratch.
_base_ = ['./sai2i_deeplabv2_r101.py']
model = dict(
    segmentor=dict(
        backbone=dict(depth=18, stem_channels=32, base_channels=32),
        decode_head=dict(in_channels=256)))
segmentor = dict(
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=256))

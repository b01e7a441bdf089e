# The segmentor of Toldo et al.'s demo configs (configs/demo/cyclefeat/),
# as changes to the MobileNet-v2 DeepLab-v3+ of
# configs/_base_/models/cyclefeat_deeplabv3plus_mnv2.py: half width
# (MobileNet-v2 x0.5: 16 low-level and 160 encoder channels), a
# 128-channel head, random initialisation (no ImageNet file on a machine
# without downloads). Stage configs merge it: model=dict(segmentor=...).
encoder_channels = 160  # make_divisible(320 * 0.5, 8)
demo_segmentor = dict(
    backbone=dict(widen_factor=0.5, init_cfg=None),
    decode_head=dict(
        in_channels=encoder_channels,
        channels=128,
        c1_in_channels=16,
        c1_channels=24))

# Stage 2 of configs/demo/cyclefeat_demo.py: Toldo et al.'s full framework
# on the demo pair, configs/cyclefeat/cyclefeat_gta_adapt.py shrunk:
# 128x64 images, the half-width demo segmentor, generators with 16 instead
# of 64 base channels and 6 residual blocks (the official generator's
# number for images of at most 128 pixels), discriminators with 16-32-64-128
# instead of 64-128-256-512 channels, the image discriminators with stride 2
# in the first conv only (their receptive field, 28 pixels, is then about as
# local on a 64-pixel-high image as the official 94 pixels on a 600x600
# crop; with four stride-2 convs it would see the whole image), 800
# iterations instead of 80k with the segmentor frozen for the first quarter
# (20k of 80k) and its poly decay over the rest. Every loss, weight, label
# and optimizer is the full config's.
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/models/cyclefeat_mnv2.py',
    '../../_base_/datasets/cyclefeat_demo_gta5_to_cityscapes.py',
    '../../_base_/schedules/cyclefeat_adam.py',
    '../../_base_/models/cyclefeat_demo_mnv2_segmentor.py',
]
max_iters = 800
frozen_iters = max_iters // 4
# the stage-1 checkpoint (the pipeline passes it by reference)
pretrained_segmentor = \
    'work_dirs/cyclefeat_demo/pretrain/iter_800.pth'
generator = dict(base_channels=16, num_blocks=6)
discriminator = dict(channels=(16, 32, 64, 128))
image_discriminator = dict(discriminator, strides=(2, 1, 1, 1))
model = dict(
    segmentor=dict(
        _base_.demo_segmentor,
        init_cfg=dict(
            type='Pretrained',
            checkpoint=pretrained_segmentor,
            prefix='segmentor.')),
    generators=dict(gen_st=generator, gen_ts=generator),
    discriminators=dict(
        disc_img_t=image_discriminator,
        disc_img_s=image_discriminator,
        disc_feat_t=dict(discriminator, in_channels=_base_.encoder_channels),
        disc_feat_s=dict(discriminator, in_channels=_base_.encoder_channels)),
    segmentor_frozen_iters=frozen_iters)
# lr 1e-4 instead of 1e-5: the demo's pre-training lr is 10x the official
# one too (a small network trained from random weights)
optim_wrapper = dict(segmentor=dict(optimizer=dict(lr=1e-4)))
param_scheduler = dict(
    default=[],
    segmentor=[
        dict(
            type='PolyLR',
            power=0.9,
            eta_min=0.0,
            begin=frozen_iters,
            end=max_iters,
            by_epoch=False)
    ])
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=max_iters))
custom_hooks = [
    dict(type='TranslationVisualizationHook', interval=100, out_dir='vis')
]

# Musto & Zinelli on the embedded demo pair: the translation stage of
# configs/demo/sai2i_demo.py. The method of configs/sai2i/
# gta_deeplabv2_translation.py (Table 5 layouts, SPADE guided by the frozen
# segmentor's logits, Eq. 1-5 with the paper's loss weights, LSGAN, Adam
# (0.9, 0.99) with SPADE's TTUR split, poly decay), shrunk to train on a
# CPU in minutes: 128x64 images with 64x64 random crops (the paper: 512x512
# crops of 1024x512), narrower networks (encoder 16 base channels and 2
# residual blocks, so a 64-channel latent code; generators with 2 SPADE
# residual blocks, 32 SPADE hidden channels; discriminators 16-32-64-128)
# and a short schedule: 600 iterations instead of the paper's poly decay
# over 1,000,000, with ten times the paper's learning rates (the same
# TTUR split: 5e-4 for the encoders and generators, 2e-3 for the
# discriminators), as the demo segmentor's schedule raises the paper's
# SGD learning rate for its few hundred iterations
# (_base_/schedules/demo_sgd_poly.py). At the paper's 1e-4 a 400-iteration
# schedule had not learnt to reconstruct an image (the translations were
# colour noise).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sai2i_deeplabv2_r18.py',
    '../_base_/models/sai2i_translator.py',
    '../_base_/datasets/uda_demo_gta5_to_cityscapes.py',
    '../_base_/schedules/sai2i_translation_adam.py',
]
demo_encoder = dict(
    _base_.encoder, base_channels=16, num_res_blocks=2)  # latent: 64
demo_generator = dict(
    _base_.generator,
    label_channels=_base_.num_classes,
    in_channels=64,
    num_res_blocks=2,
    spade_cfg=dict(_base_.generator.spade_cfg, hidden_channels=32))
demo_channels = (16, 32, 64, 128)  # discriminators
model = dict(
    _base_.translator,
    _delete_=True,
    data_preprocessor=_base_.data_preprocessor,
    segmentor=dict(
        _base_.segmentor,
        role='frozen',
        # in the pipeline: the previous stage's M
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/sai2i_demo/adapted/iter_600.pth',
            prefix='segmentor.')),
    generators=dict(
        enc_s=demo_encoder,
        enc_t=demo_encoder,
        gen_s=demo_generator,
        gen_t=demo_generator),
    discriminators=dict(
        disc_s=dict(
            _base_.translator.discriminators.disc_s, channels=demo_channels),
        disc_t=dict(
            _base_.translator.discriminators.disc_t, channels=demo_channels)))
# 128x64 images (the demo size) and 64x64 random crops, both domains
demo_translation_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 64), keep_ratio=False),
    dict(type='RandomCrop', crop_size=(64, 64)),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=1,  # Sec. 4
    dataset=dict(
        source=dict(pipeline=demo_translation_pipeline),
        target=dict(pipeline=demo_translation_pipeline)))
val_dataloader = None
val_evaluator = None
val_cfg = None
# demo: a short schedule with ten times the paper's learning rates (see the
# header); the TTUR split of _base_/schedules/sai2i_translation_adam.py
max_iters = 600
optim_wrapper = dict(
    default=dict(optimizer=dict(lr=2e-3)),
    generators=dict(optimizer=dict(lr=5e-4)))
param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.0,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters)
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=max_iters))
custom_hooks = [
    dict(type='TranslationVisualizationHook', interval=100, out_dir='vis')
]

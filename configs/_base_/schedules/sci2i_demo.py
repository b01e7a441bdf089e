# Schedules of the Brehm et al. demo configs (configs/demo/sci2i_*): the
# optimisers of sci2i_segmentation_adam.py and sci2i_translation_adam.py
# (Adam, gradients clipped at a global norm of 5) with the
# short schedules and larger learning rates of networks that start from
# random weights and must train in CPU minutes.
_base_ = ['./sci2i_segmentation_adam.py']
# The pre-training stage (sci2i_pretrain_demo.py): the segmentor on the
# source alone, standing in for ImageNet weights; 20 epochs of the demo's
# 200 source images at 4 images per step.
pretrain_iters = 1000
# M0, M1 and the control each train for 1,000 steps (as long as the
# pre-training) at the pre-training's rate: these stages are where the paper's
# segmentor learns the task (it starts from ImageNet weights, which know no
# segmentation), so they must be able to move the network. Measured on the
# demo pair (docs/sci2i.md, "Room for adaptation"): fine-tuning the
# pre-trained checkpoint on the *labelled target* (an upper bound for any
# adaptation) gains only +0.7 / +1.6 mIoU19 over the source-only control in
# 300 steps at 1e-5, within the spread between seeds, but +6.2 / +5.1 in
# 1,000 steps at 2e-4.
seg_iters = 1000  # each of M0, M1 (and the source-only control)
pretrain_lr = 2e-4
seg_lr = 2e-4
consistency_start = 100  # 10% of the run (the paper: 10,000 steps)
# I2I steps: what one idle core trains in ~7 minutes (~0.45 s per step)
i2i_iters = 1000
# EMA decay of the teachers and of G's copy: the paper's 0.999 averages
# over ~1,000 steps, 1% of the full configs' 100k-step runs (the paper does
# not give the segmentor's steps); over a 1,000-step run it would leave the
# teacher 37% its initialisation (0.999^1000). 0.99 averages over ~100
# steps.
demo_ema_decay = 0.99
gen_lr = 2e-3  # equalised learning rate: weights ~ N(0, 1)
disc_lr = 1e-4

optim_wrapper = dict(default=dict(optimizer=dict(lr=seg_lr)))
param_scheduler = [
    dict(
        type='ExponentialLR',
        gamma=0.1**(1 / seg_iters),
        begin=0,
        end=seg_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=seg_iters, val_interval=seg_iters)
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=seg_iters))
custom_hooks = [
    dict(
        type='MeanTeacherHook',
        decay=demo_ema_decay,
        interval=1,
        buffers='copy'),
    dict(type='TranslationVisualizationHook', interval=100, out_dir='vis'),
]
# The I2I phase's optimisers and schedule (its stage config uses them).
i2i_optim_wrapper = dict(
    constructor='UDAOptimWrapperConstructor',
    default=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=disc_lr, betas=(0.5, 0.999)),
        clip_grad=dict(max_norm=5.0, norm_type=2)),
    gen=dict(optimizer=dict(lr=gen_lr, betas=(0.5, 0.99))))
i2i_param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]

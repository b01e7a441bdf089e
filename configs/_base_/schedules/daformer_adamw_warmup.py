# DAFormer optimisation (official lhoyer/DAFormer
# configs/_base_/schedules/adamw.py, poly10warm.py and
# configs/daformer/gta2cs_uda_warm_fdthings_rcs_croppl_a999_daformer_mitb5_s0.py;
# paper Sec. 4.1 "Implementation Details").
_base_ = ['../default_hooks.py']
# AdamW, lr 6e-5, betas (0.9, 0.999), weight decay 0.01.
# paramwise_cfg: the decoder ("head") at 10x the encoder's learning rate
# (the encoder/decoder lr ratio); no weight decay for the normalisation
# layers ("norm") and position blocks ("pos_block", none in MiT). mmseg's
# MiT names its per-stage LayerNorms layers.<i>.2 (norm1..norm4 in the
# original layout, where "norm" matched them): listed explicitly.
segmentor_optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=6e-05, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys={
            'head': dict(lr_mult=10.0),
            'pos_block': dict(decay_mult=0.0),
            'norm': dict(decay_mult=0.0),
            'backbone.layers.0.2.': dict(decay_mult=0.0),
            'backbone.layers.1.2.': dict(decay_mult=0.0),
            'backbone.layers.2.2.': dict(decay_mult=0.0),
            'backbone.layers.3.2.': dict(decay_mult=0.0),
        }))
optim_wrapper = dict(
    constructor='UDAOptimWrapperConstructor',
    segmentor=segmentor_optim_wrapper)
# runner max_iters=40000
max_iters = 40000
# lr_config: poly, power 1.0, min_lr 0, with a linear warm-up over
# warmup_iters=1500 from warmup_ratio=1e-6: mmcv scales the poly value by
# the warm-up factor, i.e. both act together from iteration 0, which is
# what two simultaneous mmengine schedulers do (their factors multiply).
# mmengine's schedulers reach their final value at iteration end - 1, mmcv's
# at warmup_iters / max_iters: hence the + 1 (lr_t = base * (1 - t / 40000)
# and the warm-up factor 1e-6 + (1 - 1e-6) * t / 1500, as mmcv).
warmup_iters = 1500
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-6,
        end_factor=1.0,
        begin=0,
        end=warmup_iters + 1,
        by_epoch=False),
    dict(
        type='PolyLR',
        power=1.0,
        eta_min=0.0,
        begin=0,
        end=max_iters + 1,
        by_epoch=False),
]
# evaluation interval 4000; checkpoint_config interval 40000, keep 1
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=4000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
randomness = dict(seed=0)  # seed = 0 (the _s0 run)

# GIO-Ada optimisation (Chen et al., CVPR 2019, Sec. 3.5): Adam with an
# initial learning rate of 2e-4 for every network, batches of one source and
# one target image, 10 epochs of the source set (train_cfg.max_iters is set by
# each dataset's config: 10 x the number of source images).
# betas: not given in the paper and not verified in the official code;
# (0.5, 0.999) is CycleGAN's setting, whose generator G_img follows.
# No weight decay, no decay of the learning rate (none is given).
_base_ = ['../default_hooks.py']
adam = dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))
# One Adam per trainable network (G_task, G_img, D_img, D_output or the
# ablations' subsets): every network takes the default.
optim_wrapper = dict(
    constructor='UDAOptimWrapperConstructor',
    default=dict(type='OptimWrapper', optimizer=adam))

val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=10000))
# Source image | translated image | predicted depth | predicted semantics.
custom_hooks = [
    dict(type='TranslationVisualizationHook', interval=1000, out_dir='vis')
]
randomness = dict(seed=0)

# Optimisation of the image-to-image translation phase of Brehm et al.
# (ICAART 2022, Sec. 4.2): "The generator and discriminator are trained
# with a constant learning rate of 1e-5 for 1 million iterations. For
# validation purposes, we keep exponential moving averages of the generator
# weights"; "All networks are trained with gradient clipping at a global
# norm of 5"; "We set all EMA decay values to 0.999".
# Not stated (docs/sci2i.md): Adam's betas (here (0.5, 0.999), the usual
# image-GAN setting, also GIO-Ada's in udaplug) and the batch size.
_base_ = ['../default_hooks.py']
i2i_iters = 1000000  # Sec. 4.2
optim_wrapper = dict(
    constructor='UDAOptimWrapperConstructor',
    default=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-5, betas=(0.5, 0.999)),
        clip_grad=dict(max_norm=5.0, norm_type=2)))
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
# No validation loop: the phase trains no segmentation network (the stage
# configs switch the datasets' validation off).
train_cfg = dict(type='IterBasedTrainLoop', max_iters=i2i_iters)
val_cfg = None
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=50000))
custom_hooks = [
    # the EMA copy of the generator
    dict(type='MeanTeacherHook', decay=0.999, interval=1, buffers='copy'),
    # source | translation | AC-head prediction | target | identity | labels
    dict(type='TranslationVisualizationHook', interval=5000, out_dir='vis'),
]
randomness = dict(seed=0)

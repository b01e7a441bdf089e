# Optimisation of the segmentation phases of Brehm et al. (ICAART 2022,
# Sec. 4.2), the warm-up model M0 and the final model M1: "the Adam
# optimiser for the segmentation training with an initial learning rate of
# 1e-5 and exponential weight decay"; "All networks are trained with
# gradient clipping at a global norm of 5"; "We set all EMA decay values to
# 0.999"; the teacher is reported.
# Not stated (docs/sci2i.md): the number of iterations, the decay rate
# (here the learning rate falls tenfold over the run), Adam's betas
# (PyTorch's defaults).
_base_ = ['../default_hooks.py']
seg_iters = 100000  # not stated
optim_wrapper = dict(
    constructor='UDAOptimWrapperConstructor',
    default=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-5, betas=(0.9, 0.999)),
        clip_grad=dict(max_norm=5.0, norm_type=2)))
param_scheduler = [
    dict(
        type='ExponentialLR',
        gamma=0.1**(1 / seg_iters),  # x0.1 over the run (not stated)
        begin=0,
        end=seg_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=seg_iters, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=10000))
custom_hooks = [
    # the mean teacher, Sec. 3.3 and 4.2
    dict(type='MeanTeacherHook', decay=0.999, interval=1, buffers='copy'),
    dict(type='TranslationVisualizationHook', interval=1000, out_dir='vis'),
]
randomness = dict(seed=0)

# Optimisation of Musto & Zinelli's segmentation stage with FCN-8s VGG-16
# (BDL's settings, Sec. 3.4): BDL model/__init__.py, model/fcn8s.py,
# model/discriminator.py; BDL paper Sec. 4.2; liyunsheng13/BDL#26.
_base_ = ['../default_hooks.py']
optim_wrapper = dict(
    constructor='UDAOptimWrapperConstructor',
    # Adam, betas (0.9, 0.99), lr 1e-5 (BDL paper Sec. 4.2; the code takes
    # it from the command line), biases at 2x (get_parameters(bias=True));
    # no weight decay. The transposed convolutions are not optimised.
    segmentor=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-5, betas=(0.9, 0.99)),
        paramwise_cfg=dict(bias_lr_mult=2.0)),
    # discriminator: Adam, --learning-rate-D 1e-4, betas (0.9, 0.99)
    default=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99))))
# adjust_learning_rate (VGG): lr * 0.1 ** (i // 50000) for both networks
# (the BDL paper's "step size 5000" is a typo, BDL#26).
param_scheduler = [
    dict(type='StepLR', step_size=50000, gamma=0.1, by_epoch=False)
]
# README: --num-steps-stop 120000 with pseudo-labels
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=120000, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=10000))  # --save-pred-every
randomness = dict(seed=0)

# Optimisation of Musto & Zinelli's segmentation stage with DeepLab-v2
# ("the same optimization hyperparameters of [BDL]", Sec. 3.4): BDL's
# BDL.py, model/deeplab.py, model/discriminator.py, options/
# train_options.py.
_base_ = ['../default_hooks.py']
optim_wrapper = dict(
    constructor='UDAOptimWrapperConstructor',
    # --learning-rate 2.5e-4, --momentum 0.9, --weight-decay 5e-4; the
    # classifier (layer5) at 10x (optim_parameters). Not reproduced: the
    # official parameter list names nested parameters several times (see
    # docs/adaptsegnet_models.md); here each parameter is updated once.
    segmentor=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0)})),
    # discriminator: Adam, --learning-rate-D 1e-4, betas (0.9, 0.99)
    default=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99))))
# adjust_learning_rate: lr * (1 - i / num_steps) ** power for both, with
# --num-steps 250000, --power 0.9
param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.0,
        begin=0,
        end=250000,
        by_epoch=False)
]
# README: training with pseudo-labels stops at --num-steps-stop 120000
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=120000, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=10000))  # --save-pred-every
randomness = dict(seed=0)

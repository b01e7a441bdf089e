# DACS optimisation (official vikolss/DACS configs/configUDA.json and
# trainUDA.py): SGD, "learning_rate": 2.5e-4, "momentum": 0.9,
# "weight_decay": 5e-4; the classifier (layer5) at 10x the learning rate
# (Res_Deeplab.optim_parameters, adjust_learning_rate); "lr_schedule":
# "Poly", "lr_schedule_power": 0.9 over "num_iterations": 250000.
# Not reproduced, as in adaptsegnet_sgd_poly.py: the official
# get_1x_lr_params_NOscale lists the backbone's block parameters several
# times; here every parameter is updated once.
_base_ = ['../default_hooks.py']
segmentor_optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0)}))
optim_wrapper = dict(
    constructor='UDAOptimWrapperConstructor',
    segmentor=segmentor_optim_wrapper)
max_iters = 250000  # "num_iterations"
# lr_poly(base_lr, i, num_iterations, 0.9) = base_lr * (1 - i / 250000)^0.9;
# mmengine's PolyLR reaches 0 at end - 1, hence end = max_iters + 1.
param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.0,
        begin=0,
        end=max_iters + 1,
        by_epoch=False)
]
# "val_per_iter": 5000, "save_checkpoint_every": 5000
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=5000))
randomness = dict(seed=1)  # "seed": 1

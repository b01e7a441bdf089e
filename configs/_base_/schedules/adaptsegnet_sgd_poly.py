# Optimisation of the official AdaptSegNet training script
# (train_gta2cityscapes_multi.py) and paper Sec. 5 "Network Training".
# Segmentation network: SGD, LEARNING_RATE 2.5e-4, MOMENTUM 0.9,
# WEIGHT_DECAY 5e-4 (the paper says 1e-4 and Nesterov; the code uses 5e-4 and
# plain momentum: we follow the code). Classifiers get 10x lr
# (optim_parameters: get_10x_lr_params). Not reproduced: the official
# get_1x_lr_params_NOscale collects parameters from every nested module's
# .parameters(), so the block convs are listed three times and the
# downsample convs four times (the stem conv once), and PyTorch's SGD updates
# them that many times per step; here every parameter is updated once.
_base_ = ['../default_hooks.py']
segmentor_optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={
        'decode_head': dict(lr_mult=10.0),
        'auxiliary_head': dict(lr_mult=10.0)
    }))
# Discriminators: Adam, LEARNING_RATE_D 1e-4, betas (0.9, 0.99).
disc_optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99)))
# One optimizer per trainable network: the segmentor's own, and the
# discriminators' default (every discriminator of the model gets one).
optim_wrapper = dict(
    constructor='UDAOptimWrapperConstructor',
    default=disc_optim_wrapper,
    segmentor=segmentor_optim_wrapper)

# lr_poly(base_lr, i, NUM_STEPS=250000, POWER=0.9) for every optimizer; the
# schedule spans 250k steps but training stops at NUM_STEPS_STOP=150000.
param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.0,
        begin=0,
        end=250000,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=150000, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# SAVE_PRED_EVERY 5000
default_hooks = dict(checkpoint=dict(interval=5000))
randomness = dict(seed=1234)  # RANDOM_SEED

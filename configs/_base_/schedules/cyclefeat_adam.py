# Toldo et al., adaptation stage (Sec. 4 "Training details"; official
# train_DA.py and utils/optimizers.py): 80k iterations with batch 1, Adam for
# every network.
_base_ = ['../default_hooks.py']
max_iters = 80000  # "we train our model for a total of 80K iterations"
segmentor_frozen_iters = 20000  # model.segmentor_frozen_iters

# Generators and discriminators: Adam, lr 2e-4, beta1 0.5 "as in [3]"
# (Sec. 4; official --learning_rate_cyclegan 2e-4,
# --learning_rate_feature_discriminator 2e-4, --beta1_* 0.5), constant: the
# official decay starts at step 300000 (start_decay_step_cyclegan), after
# the end of training.
gan_adam = dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))
# Segmentor: Adam, beta1 0.9, weight decay 4e-5 (Sec. 4; official
# --beta1_segmentator 0.9, --weight_decay_segmentator 0.00004 as TF-slim L2
# regularisation, i.e. added to the gradient like Adam's weight_decay, on
# the conv weights but not on depthwise convs, biases and BatchNorm),
# lr 1e-5 for GTA5 (5e-6 for SYNTHIA, set by its config).
segmentor_adam = dict(
    type='Adam', lr=1e-5, betas=(0.9, 0.999), weight_decay=4e-5)
optim_wrapper = dict(
    constructor='UDAOptimWrapperConstructor',
    default=dict(type='OptimWrapper', optimizer=gan_adam),
    segmentor=dict(
        type='OptimWrapper',
        optimizer=segmentor_adam,
        paramwise_cfg=dict(
            norm_decay_mult=0.0, bias_decay_mult=0.0, dwconv_decay_mult=0.0)),
    # one optimizer over both generators: per-parameter Adam on the sum of
    # their losses is the official pair of optimizers (each on its own
    # variables; the cycle loss is in both)
    generators=dict(networks=['gen_st', 'gen_ts']))

# Segmentor lr: "polynomial decay of power 0.9 ... decreased to 0" (Sec. 4);
# official: constant until --start_decay_step_segmentator 20000 (while the
# segmentor is frozen), then poly 0.9 over --decay_steps_segmentator 60000.
# The other optimizers keep their lr (default: no scheduler).
param_scheduler = dict(
    default=[],
    segmentor=[
        dict(
            type='PolyLR',
            power=0.9,
            eta_min=0.0,
            begin=segmentor_frozen_iters,
            end=max_iters,
            by_epoch=False)
    ])

# official --val_interval 2000, checkpoints every 10000 steps
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=10000))
custom_hooks = [
    dict(type='TranslationVisualizationHook', interval=1000, out_dir='vis')
]
randomness = dict(seed=0)

# Toldo et al., source pre-training stage: "We then fine-tune it on the
# source domain for 90K steps using the standard cross entropy loss" with
# "a batch size of 5" (Sec. 4). The paper gives no optimiser for this stage;
# the official train_S.py: Adam (beta1 0.9), lr 1e-4 (--learning_rate
# 1e-04), poly decay 0.9 to 0 from step 0 over the 90k steps, no weight
# decay (its loss has no regularisation term).
_base_ = ['../default_hooks.py']
max_iters = 90000
optim_wrapper = dict(
    constructor='UDAOptimWrapperConstructor',
    segmentor=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999))))
param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.0,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=10000))
randomness = dict(seed=0)

# Schedule of the demo configs: AdaptSegNet's optimisers (SGD + poly for the
# segmentor with 10x lr on the classifiers, Adam for the discriminators, see
# adaptsegnet_sgd_poly.py) with a short schedule and larger learning rates,
# because the demo networks start from random weights instead of the
# ImageNet init and must train in a couple of CPU minutes.
_base_ = ['./adaptsegnet_sgd_poly.py']
max_iters = 600
segmentor_optim_wrapper = dict(
    optimizer=dict(lr=0.01),  # demo: random init, short schedule
    clip_grad=dict(max_norm=10.0))  # demo: keeps early steps stable
optim_wrapper = dict(segmentor=segmentor_optim_wrapper)
param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.0,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=25), checkpoint=dict(interval=max_iters))
randomness = dict(seed=0)

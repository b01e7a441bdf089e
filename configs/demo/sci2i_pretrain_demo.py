# Stage 1 of the Brehm et al. demo (sci2i_demo.py) and of its source-only
# control (sci2i_source_only_demo.py): the demo's VGG-16 DeepLab-v2,
# randomly initialised, trained on the labelled demo source alone for
# pretrain_iters steps. It stands in for the ImageNet weights the paper
# starts from (Sec. 4.2: "VGG16 backbone pre-trained on the ImageNet
# dataset"), which the offline demo lacks: M0, M1 and the control start
# from this checkpoint, and its VGG conv1_1..conv3_3 are the frozen trunk
# of the discriminator (the paper: ImageNet VGG-16 to block3_conv3).
_base_ = ['./sci2i_segmentor_demo.py']
_iters = _base_.pretrain_iters
# from random weights: a larger learning rate than the fine-tuning stages
optim_wrapper = dict(default=dict(optimizer=dict(lr=_base_.pretrain_lr)))
param_scheduler = [
    dict(
        type='ExponentialLR',
        gamma=0.1**(1 / _iters),
        begin=0,
        end=_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=_iters, val_interval=_iters)
default_hooks = dict(checkpoint=dict(interval=_iters))

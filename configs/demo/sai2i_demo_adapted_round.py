# The second stage of configs/demo/sai2i_demo_adapted_control.py: M0's own
# training continued for as many iterations as the method's round trains
# the segmentor (300, the schedule of sai2i_demo_segmentation.py: SGD 0.01,
# poly restart), without translated images and pseudo-labels, from M0 (a
# new discriminator, like the method's segmentation stage). The pipeline
# sets M0.
_base_ = ['./sai2i_demo_adapted.py']
model = dict(
    segmentor=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/sai2i_demo/adapted/iter_600.pth',
            prefix='segmentor.')))
max_iters = 300
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
default_hooks = dict(checkpoint=dict(interval=max_iters))

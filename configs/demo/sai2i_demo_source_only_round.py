# The control of configs/demo/sai2i_demo.py: the second stage of the
# source-only control pipeline (configs/demo/sai2i_demo_control.py). The
# same segmentor as the method's segmentation stage
# (sai2i_demo_segmentation.py), from the previous model, for as many
# iterations with the same optimiser and schedule (SGD 0.01, poly, 300
# iterations), trained on the untranslated source alone (4 images per step,
# like the method's source batch). The pipeline sets the previous model.
_base_ = ['./sai2i_demo_source_only.py']
model = dict(
    segmentor=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/sai2i_demo_control/source_only/iter_600.pth',
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

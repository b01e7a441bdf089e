# Stage 2 of the source-only baseline configs/demo/cyclefeat_source_only_demo
# .py: the pre-trained demo segmentor trained on, on the source alone, with
# the adaptation stage's segmentor settings (configs/demo/cyclefeat/
# cyclefeat_demo_adapt.py): batch 1, frozen BatchNorm statistics, Adam lr
# 1e-4 with weight decay 4e-5, poly decay over the iterations in which the
# adaptation stage trains its segmentor (the last 600 of 800).
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/models/cyclefeat_deeplabv3plus_mnv2.py',
    '../../_base_/datasets/cyclefeat_demo_gta5_to_cityscapes.py',
    '../../_base_/schedules/cyclefeat_adam.py',
    '../../_base_/models/cyclefeat_demo_mnv2_segmentor.py',
]
max_iters = 600
pretrained_segmentor = \
    'work_dirs/cyclefeat_source_only_demo/pretrain/iter_800.pth'
model = dict(
    segmentor=dict(
        _base_.demo_segmentor,
        init_cfg=dict(
            type='Pretrained',
            checkpoint=pretrained_segmentor,
            prefix='segmentor.')))
train_dataloader = dict(
    dataset=dict(_base_.train_dataloader.dataset.source, _delete_=True))
optim_wrapper = dict(
    _delete_=True,
    constructor='UDAOptimWrapperConstructor',
    segmentor=dict(
        _base_.optim_wrapper.segmentor,
        optimizer=dict(_base_.optim_wrapper.segmentor.optimizer, lr=1e-4)))
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
    logger=dict(interval=50), checkpoint=dict(interval=max_iters))
custom_hooks = []

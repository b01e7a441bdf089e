# Stage 1 of configs/demo/cyclefeat_demo.py (and of the source-only
# baseline configs/demo/cyclefeat_source_only_demo.py): the demo segmentor
# trained on the GTA5-style source alone, as
# configs/cyclefeat/cyclefeat_gta_pretrain.py shrunk: 128x64 images, 800
# iterations instead of 90k, batch 5, Adam with poly decay.
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/models/cyclefeat_deeplabv3plus_mnv2.py',
    '../../_base_/datasets/cyclefeat_demo_gta5_to_cityscapes.py',
    '../../_base_/schedules/cyclefeat_pretrain_adam.py',
    '../../_base_/models/cyclefeat_demo_mnv2_segmentor.py',
]
# Random initialisation: the BatchNorm statistics are learned here (BN on
# batch statistics); the adaptation stage freezes them, as the official
# code freezes those of its pre-trained model.
learned_bn = dict(type='BN', requires_grad=True)
model = dict(
    segmentor=dict(
        _base_.demo_segmentor,
        backbone=dict(_base_.demo_segmentor.backbone, norm_cfg=learned_bn),
        decode_head=dict(
            _base_.demo_segmentor.decode_head, norm_cfg=learned_bn)))
train_dataloader = dict(
    batch_size=_base_.pretrain_batch_size,
    dataset=dict(
        _base_.train_dataloader.dataset.source,
        pipeline=_base_.pretrain_pipeline,
        _delete_=True))
max_iters = 800
# lr 1e-3 instead of 1e-4: training from random weights, not fine-tuning
optim_wrapper = dict(segmentor=dict(optimizer=dict(lr=1e-3)))
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

# Toldo et al., stage 1 of configs/cyclefeat_gta.py: the segmentor trained on
# GTA5 alone (Sec. 4: 90k steps, batch 5, cross-entropy), from an ImageNet
# MobileNet-v2 (see configs/_base_/models/cyclefeat_deeplabv3plus_mnv2.py for
# the file; the paper starts from TF DeepLab's Pascal-VOC model). Evaluated
# on Cityscapes val it is the "Source only" row of Table 1 (17.5 mIoU).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/cyclefeat_deeplabv3plus_mnv2.py',
    '../_base_/datasets/cyclefeat_gta5_to_cityscapes.py',
    '../_base_/schedules/cyclefeat_pretrain_adam.py',
]
# GTA5 alone, random 800x800 crops, 5 images per step (official train_S.py)
train_dataloader = dict(
    batch_size=_base_.pretrain_batch_size,
    dataset=dict(
        _base_.train_dataloader.dataset.source,
        pipeline=_base_.pretrain_pipeline,
        _delete_=True))

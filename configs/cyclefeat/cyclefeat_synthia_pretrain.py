# Toldo et al., stage 1 of configs/cyclefeat_synthia.py: the segmentor
# trained on SYNTHIA-RAND-CITYSCAPES alone (16 classes; Sec. 4: 90k steps,
# batch 5), as cyclefeat_gta_pretrain.py. Table 2 "Source only": 18.2
# mIoU16.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/cyclefeat_deeplabv3plus_mnv2.py',
    '../_base_/datasets/cyclefeat_synthia_to_cityscapes.py',
    '../_base_/schedules/cyclefeat_pretrain_adam.py',
]
num_classes = 16  # SYNTHIA's 16 Cityscapes classes (Table 2)
model = dict(segmentor=dict(decode_head=dict(num_classes=num_classes)))
# SYNTHIA alone, random 800x800 crops (of images widened to 1348x800), 5
# images per step (official train_S.py)
train_dataloader = dict(
    batch_size=_base_.pretrain_batch_size,
    dataset=dict(
        _base_.train_dataloader.dataset.source,
        pipeline=_base_.pretrain_pipeline,
        _delete_=True))

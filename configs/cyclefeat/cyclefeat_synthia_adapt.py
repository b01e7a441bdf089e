# Toldo et al., stage 2 of configs/cyclefeat_synthia.py: the full framework
# on SYNTHIA-RAND-CITYSCAPES -> Cityscapes (16 classes), as
# cyclefeat_gta_adapt.py with the SYNTHIA data and the segmentor's lr 5e-6.
# Table 2 "Ours": 32.6 mIoU16.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/cyclefeat_mnv2.py',
    '../_base_/datasets/cyclefeat_synthia_to_cityscapes.py',
    '../_base_/schedules/cyclefeat_adam.py',
]
num_classes = 16  # SYNTHIA's 16 Cityscapes classes (Table 2)
pretrained_segmentor = 'work_dirs/cyclefeat_synthia/pretrain/iter_90000.pth'
model = dict(
    segmentor=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint=pretrained_segmentor,
            prefix='segmentor.',
            # quoted when the file is missing (udaplug's key)
            hint='the first stage of configs/cyclefeat_synthia.py writes '
            'it: run python tools/train.py configs/cyclefeat_synthia.py '
            '(both stages), or train '
            'configs/cyclefeat/cyclefeat_synthia_pretrain.py and pass its '
            'checkpoint with --cfg-options '
            'model.segmentor.init_cfg.checkpoint=FILE'),
        backbone=dict(init_cfg=None),
        decode_head=dict(num_classes=num_classes)))
# "1 x 10^-5 and 5 x 10^-6 for the adaptation from the GTA and SYNTHIA
# datasets" (Sec. 4; official --learning_rate_segmentator "5e-06 for SY")
optim_wrapper = dict(segmentor=dict(optimizer=dict(lr=5e-6)))

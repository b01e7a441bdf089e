# Toldo et al., stage 2 of configs/cyclefeat_gta.py: the full framework
# (CycleGAN + L_sem + feature discriminators + segmentor) trained end to end
# for 80k iterations from the source-pretrained segmentor (Sec. 4). Table 1
# "Ours": 41.1 mIoU on Cityscapes val (19 classes).
#
# Run alone (e.g. after configs/cyclefeat_gta.py's first stage):
#   python tools/train.py configs/cyclefeat/cyclefeat_gta_adapt.py \
#       --cfg-options model.segmentor.init_cfg.checkpoint=PRETRAINED.pth
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/cyclefeat_mnv2.py',
    '../_base_/datasets/cyclefeat_gta5_to_cityscapes.py',
    '../_base_/schedules/cyclefeat_adam.py',
]
# The segmentor of stage 1 ("After the initialization of the segmentation
# network, we train our model", Sec. 4): the default is where
# configs/cyclefeat_gta.py leaves it; the pipeline passes it by reference.
# The ImageNet backbone init is not used here.
pretrained_segmentor = 'work_dirs/cyclefeat_gta/pretrain/iter_90000.pth'
model = dict(
    segmentor=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint=pretrained_segmentor,
            prefix='segmentor.',
            # quoted when the file is missing (udaplug's key)
            hint='the first stage of configs/cyclefeat_gta.py writes it: run '
            'python tools/train.py configs/cyclefeat_gta.py (both stages), or '
            'train configs/cyclefeat/cyclefeat_gta_pretrain.py and pass its '
            'checkpoint with --cfg-options '
            'model.segmentor.init_cfg.checkpoint=FILE'),
        backbone=dict(init_cfg=None)))

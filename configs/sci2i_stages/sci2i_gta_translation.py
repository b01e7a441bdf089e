# Brehm et al. (ICAART 2022), phase (b): image-to-image translation GTA5 ->
# Cityscapes (Sec. 3.2) with the target pseudo-labels written by the warm-up
# model's teacher (precomputed pseudo-labels, lambda_pl = lambda_cgan = 0.3,
# Sec. 4.2). The pipeline config (configs/sci2i_gta.py) fills in the two
# hand-overs below; run alone, set them with --cfg-options.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sci2i_vgg16.py',
    '../_base_/datasets/sci2i_gta5_to_cityscapes.py',
    '../_base_/schedules/sci2i_translation_adam.py',
]
# The warm-up model's checkpoint: its teacher is the frozen segmentor of
# this model (used by validation only).
warmup_checkpoint = 'work_dirs/sci2i_gta/warmup/iter_100000.pth'
# Pseudo-labels of the Cityscapes train images from the warm-up teacher, in
# the layout of the pseudo-label stage (label train ids, 255 = ignore).
pseudo_label_dir = 'work_dirs/sci2i_gta/pseudo_labels'

model = dict(
    _base_.translator,
    segmentor=dict(
        _base_.translator.segmentor,
        init_cfg=dict(
            type='Pretrained',
            checkpoint=warmup_checkpoint,
            prefix='teacher.module.')))
train_dataloader = dict(
    dataset=dict(
        # the target labels are the pseudo-labels, never Cityscapes' own
        allow_target_labels=True,
        target=dict(
            data_root=pseudo_label_dir,
            pipeline=_base_.target_pseudo_label_pipeline)))

# Brehm et al. (ICAART 2022), phase (b): image-to-image translation GTA5 ->
# Cityscapes (Sec. 3.2) with the target pseudo-labels written by the warm-up
# model's teacher (pre-computed pseudo-labels, lambda_pl = lambda_cgan =
# 0.3, Sec. 4.2). The pipeline config (configs/sci2i_gta.py) hands over the
# warm-up checkpoint and the pseudo-labelled target set; run alone, set
# warmup_checkpoint and pseudo_label_dir (a tools/pseudo_label.py output)
# with --cfg-options.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sci2i_vgg16.py',
    '../_base_/datasets/sci2i_gta5_to_cityscapes.py',
    '../_base_/schedules/sci2i_translation_adam.py',
]
warmup_checkpoint = 'work_dirs/sci2i_gta/warmup/iter_100000.pth'
pseudo_label_dir = 'work_dirs/sci2i_gta/pseudo_labels'

model = dict(
    _base_.translator,
    # the warm-up model's teacher, frozen (used by validation only)
    segmentor=dict(
        _base_.translator.segmentor,
        init_cfg=dict(
            type='Pretrained',
            checkpoint=warmup_checkpoint,
            prefix='teacher.module.')))
train_dataloader = dict(
    dataset=dict(
        # the target labels are pseudo-labels, never Cityscapes' own
        allow_target_labels=True,
        target=dict(
            data_prefix=dict(
                img_path='leftImg8bit/train',
                seg_map_path=pseudo_label_dir + '/labels'),
            seg_map_suffix='_pseudo_labelTrainIds.png',
            pipeline=_base_.target_pseudo_label_pipeline)))
# No validation: this phase trains no segmentation network.
val_dataloader = None
val_evaluator = None

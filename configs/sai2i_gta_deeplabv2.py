# Musto & Zinelli, "Semantically Adaptive Image-to-image Translation for
# Domain Adaptation of Semantic Segmentation" (BMVC 2020):
# GTA5 -> Cityscapes, DeepLab-v2 ResNet-101: Table 1 "Ours" D,
# 50.4 mIoU (19 classes).
# Not trained at full scale here.
#
#   python tools/train.py configs/sai2i_gta_deeplabv2.py
#   tools/dist_train.sh configs/sai2i_gta_deeplabv2.py 8
#
# A pipeline (docs/pipelines.md, docs/sai2i.md) of rounds, each:
#   1. translation: the coupled SPADE translation network, guided by the
#      frozen segmentor M (configs/sai2i/gta_deeplabv2_translation.py);
#   2. translate: the source set written in the target style (1024x512);
#   3. pseudo_labels: M's confident target predictions (>= 0.9, Eq. 9),
#      regenerated before each segmentation stage (Sec. 4);
#   4. segmentation: M trained on the translated source, the pseudo-labels
#      and the output-space adversarial loss, from the previous M
#      (configs/sai2i/gta_deeplabv2_segmentation.py).
# The paper repeats the rounds "when M stops improving" without a number;
# here 2 rounds (BDL releases two self-training steps), set by _rounds.
#
# M0, the first round's M (Sec. 4: "We initialize the segmentation networks
# from [BDL]"): BDL's released GTA5_deeplab model
# (github.com/liyunsheng13/BDL, README), converted once:
#   python tools/convert_models/adaptsegnet.py GTA5_deeplab.pth \
#       checkpoints/sai2i_gta_deeplabv2_init.pth
_init_checkpoint = 'checkpoints/sai2i_gta_deeplabv2_init.pth'
_rounds = 2
_translation = 'sai2i/gta_deeplabv2_translation.py'
_source_only = 'sai2i/gta_deeplabv2_source_only.py'
_segmentation = 'sai2i/gta_deeplabv2_segmentation.py'


def _round(suffix, previous, previous_config):
    """The four stages of one round; ``previous``: M of the round before
    (a checkpoint path or a reference) and ``previous_config`` the config
    of its model (checkpoints load strictly)."""
    return [
        dict(
            type='TrainStage',
            name='translation' + suffix,
            config=_translation,
            cfg_options={'model.segmentor.init_cfg.checkpoint': previous}),
        dict(
            type='TranslateStage',
            name='translate' + suffix,
            config='@translation' + suffix + '.config',
            checkpoint='@translation' + suffix + '.checkpoint',
            # the source as the segmentation stage reads it (1024x512,
            # labels): the translated set keeps that pipeline
            dataset=_segmentation),
        dict(
            type='PseudoLabelStage',
            name='pseudo_labels' + suffix,
            config=previous_config,
            checkpoint=previous,
            # the target set as the segmentation stage reads it
            dataset=_segmentation,
            threshold=0.9,  # th_SSL, Eq. 9 (Sec. 3.4)
            cfg_options={'model.segmentor.init_cfg': None}),
        dict(
            type='TrainStage',
            name='segmentation' + suffix,
            config=_segmentation,
            cfg_options={
                'model.segmentor.init_cfg.checkpoint':
                previous,
                'train_dataloader.dataset.source':
                '@translate' + suffix + '.dataset',
                'train_dataloader.dataset.target':
                '@pseudo_labels' + suffix + '.dataset',
            }),
    ]


# Round 1 starts from M0 (a segmentor-only checkpoint: labelled with the
# source-only model config), rounds 2.. from the previous round's M.
stages = _round('_1', _init_checkpoint, _source_only) + [
    dict(
        type='RepeatStages',
        name='rounds',
        times=_rounds - 1,
        stages=_round('',
                      '@segmentation.checkpoint | @segmentation_1.checkpoint',
                      _segmentation))
]

# Toldo et al., "Unsupervised Domain Adaptation for Mobile Semantic
# Segmentation based on Cycle Consistency and Feature Alignment" (Image and
# Vision Computing 2020), GTA5 -> Cityscapes, 19 classes: Table 1, 41.1 mIoU
# (source only: 17.5). Both training stages of Sec. 4 in one command:
#
#   python tools/train.py configs/cyclefeat_gta.py
#   tools/dist_train.sh configs/cyclefeat_gta.py 8
#
# 1. pretrain: MobileNet-v2 DeepLab-v3+ on GTA5 (90k steps, batch 5);
# 2. adapt: CycleGAN + semantic consistency + feature discriminators +
#    segmentor, end to end (80k steps, batch 1, segmentor frozen for the
#    first 20k).
# Needs the ImageNet MobileNet-v2 checkpoint of
# configs/_base_/models/cyclefeat_deeplabv3plus_mnv2.py (how to make it is
# written there) and the datasets of docs/datasets.md.
stages = [
    dict(
        name='pretrain',
        type='TrainStage',
        config='cyclefeat/cyclefeat_gta_pretrain.py'),
    dict(
        name='adapt',
        type='TrainStage',
        config='cyclefeat/cyclefeat_gta_adapt.py',
        cfg_options={
            'model.segmentor.init_cfg.checkpoint': '@pretrain.checkpoint'
        }),
]

# Toldo et al. (Image and Vision Computing 2020), SYNTHIA-RAND-CITYSCAPES ->
# Cityscapes, 16 classes: Table 2, 32.6 mIoU16 (source only: 18.2). Both
# training stages of Sec. 4, as configs/cyclefeat_gta.py:
#
#   python tools/train.py configs/cyclefeat_synthia.py
stages = [
    dict(
        name='pretrain',
        type='TrainStage',
        config='cyclefeat/cyclefeat_synthia_pretrain.py'),
    dict(
        name='adapt',
        type='TrainStage',
        config='cyclefeat/cyclefeat_synthia_adapt.py',
        cfg_options={
            'model.segmentor.init_cfg.checkpoint': '@pretrain.checkpoint'
        }),
]

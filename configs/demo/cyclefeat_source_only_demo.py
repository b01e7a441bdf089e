# The source-only baseline of configs/demo/cyclefeat_demo.py: the same
# pre-training stage, then the segmentor trained on the source alone with
# the adaptation stage's segmentor settings and schedule.
#
#   OMP_NUM_THREADS=1 python tools/train.py \
#       configs/demo/cyclefeat_source_only_demo.py
stages = [
    dict(
        name='pretrain',
        type='TrainStage',
        config='cyclefeat/cyclefeat_demo_pretrain.py'),
    dict(
        name='continue',
        type='TrainStage',
        config='cyclefeat/cyclefeat_demo_source_continue.py',
        cfg_options={
            'model.segmentor.init_cfg.checkpoint': '@pretrain.checkpoint'
        }),
]

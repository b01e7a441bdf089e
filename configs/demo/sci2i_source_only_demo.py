# The source-only control of the Brehm et al. demo (sci2i_demo.py), a
# pipeline config (docs/pipelines.md) of two stages:
#
#   OMP_NUM_THREADS=1 python tools/train.py \
#       configs/demo/sci2i_source_only_demo.py
#
# 1. pretrain: sci2i_pretrain_demo.py, the same stage as the method's (the
#    segmentor trained on the source alone, standing in for ImageNet
#    weights);
# 2. source_only: sci2i_segmentor_demo.py, the same segmentor trained on
#    the source alone from that checkpoint for as many steps (seg_iters)
#    as the method's final model M1, with the same optimiser and schedule.
stages = [
    dict(type='TrainStage', name='pretrain', config='sci2i_pretrain_demo.py'),
    dict(
        type='TrainStage',
        name='source_only',
        config='sci2i_segmentor_demo.py',
        cfg_options={'load_from': '@pretrain.checkpoint'}),
]

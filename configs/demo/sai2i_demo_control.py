# The source-only control of configs/demo/sai2i_demo.py: the same segmentor,
# initialisation, data and schedule without the method. Its first stage is
# the method's (sai2i_demo_source_only.py, 600 iterations), then, in place
# of the method's round, the model trained for as many iterations as the
# method's segmentation stage (300, same optimiser and schedule restart) on
# the source alone (sai2i_demo_source_only_round.py).
#
#   OMP_NUM_THREADS=1 python tools/train.py configs/demo/sai2i_demo_control.py
stages = [
    dict(
        type='TrainStage',
        name='source_only',
        config='sai2i_demo_source_only.py'),
    dict(
        type='TrainStage',
        name='source_only_1',  # the method's segmentation_1
        config='sai2i_demo_source_only_round.py',
        cfg_options={
            'model.segmentor.init_cfg.checkpoint': '@source_only.checkpoint'
        }),
]

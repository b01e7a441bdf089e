# The source-only control of configs/demo/sai2i_demo_two_rounds.py: the
# stages of sai2i_demo_control.py and one more source-only stage for round
# 2's segmentation stage (300 iterations, same optimiser and schedule
# restart, from the previous model): 600 + 300 + 300 segmentor iterations,
# like the method's.
_base_ = ['./sai2i_demo_control.py']
stages = [
    *_base_.stages,
    dict(
        type='TrainStage',
        name='source_only_2',  # the method's round-2 segmentation
        config='sai2i_demo_source_only_round.py',
        cfg_options={
            'model.segmentor.init_cfg.checkpoint': '@source_only_1.checkpoint'
        }),
]

# The second control of configs/demo/sai2i_demo_two_rounds.py: M0's own
# output-space adversarial training continued for both rounds' segmentor
# iterations (sai2i_demo_adapted_control.py and 300 iterations more, from
# the previous model).
_base_ = ['./sai2i_demo_adapted_control.py']
stages = [
    *_base_.stages,
    dict(
        type='TrainStage',
        name='adapted_2',  # the method's round-2 segmentation
        config='sai2i_demo_adapted_round.py',
        cfg_options={
            'model.segmentor.init_cfg.checkpoint': '@adapted_1.checkpoint'
        }),
]

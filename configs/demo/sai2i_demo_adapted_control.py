# A second control of configs/demo/sai2i_demo.py, for the round's own
# contribution: M0 (the same first stage, sai2i_demo_adapted.py) trained
# for the round's 300 segmentor iterations more by its own output-space
# adversarial stage (sai2i_demo_adapted_round.py) instead of the round
# (translation, pseudo-labels, segmentation). Run it with the method's work
# dir to reuse its M0 (the first stage is then skipped):
#
#   OMP_NUM_THREADS=1 python tools/train.py \
#       configs/demo/sai2i_demo_adapted_control.py \
#       --work-dir work_dirs/sai2i_demo
stages = [
    dict(type='TrainStage', name='adapted', config='sai2i_demo_adapted.py'),
    dict(
        type='TrainStage',
        name='adapted_1',  # the method's round
        config='sai2i_demo_adapted_round.py',
        cfg_options={
            'model.segmentor.init_cfg.checkpoint': '@adapted.checkpoint'
        }),
]

# The GIO-Ada demo on the embedded demo pair (docs/gioada.md, "Demo"), a
# pipeline config (docs/pipelines.md) of two stages:
#
#   python tools/make_demo_data.py            # writes data/demo (seconds)
#   OMP_NUM_THREADS=1 python tools/train.py configs/demo/gioada_demo.py
#
# 1. warm_up: gioada_warmup_demo.py, the He-initialised task network
#    trained on the source alone for 10 epochs, in place of the ImageNet
#    weights the paper starts from (Sec. 3.5), which the offline demo lacks;
# 2. gioada: gioada_adapt_demo.py, GIO-Ada (input and output level) for 5
#    epochs, its task network starting from warm_up's checkpoint.
#
# The non-adapted control, gioada_non_adapt_demo.py, runs the same warm-up
# and then trains the same task network as long without adaptation. Work
# dirs: work_dirs/gioada_demo/{warm_up,gioada}; for another seed add
# `--cfg-options stage_cfg_options.randomness.seed=1`.
stages = [
    dict(type='TrainStage', name='warm_up', config='gioada_warmup_demo.py'),
    dict(
        type='TrainStage',
        name='gioada',
        config='gioada_adapt_demo.py',
        cfg_options={'load_from': '@warm_up.checkpoint'}),
]

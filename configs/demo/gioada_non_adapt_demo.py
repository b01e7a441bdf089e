# The non-adapted control of the GIO-Ada demo (gioada_demo.py, a pipeline
# config): the same warm-up stage, then the same task network trained as
# long (5 epochs; same data, optimiser and initialisation) on the source
# alone (gioada_task_demo.py).
#
#   OMP_NUM_THREADS=1 python tools/train.py \
#       configs/demo/gioada_non_adapt_demo.py
stages = [
    dict(type='TrainStage', name='warm_up', config='gioada_warmup_demo.py'),
    dict(
        type='TrainStage',
        name='non_adapt',
        config='gioada_task_demo.py',
        cfg_options={'load_from': '@warm_up.checkpoint'}),
]

# Toldo et al. (cycle consistency + semantic consistency + feature
# discriminators, MobileNet-v2 DeepLab-v3+) on the embedded demo pair:
# configs/cyclefeat_gta.py shrunk to train on a CPU (see the two stage
# configs for what is shrunk). Compare with
# configs/demo/cyclefeat_source_only_demo.py (same segmentor, pre-training
# and schedule, no adaptation).
#
#   python tools/make_demo_data.py            # writes data/demo (seconds)
#   OMP_NUM_THREADS=1 python tools/train.py configs/demo/cyclefeat_demo.py
#
# Translations: work_dirs/cyclefeat_demo/adapt/vis/ every 100 iterations
# (source | translated | reconstructed | target | translated | reconstructed
# | prediction on the target).
stages = [
    dict(
        name='pretrain',
        type='TrainStage',
        config='cyclefeat/cyclefeat_demo_pretrain.py'),
    dict(
        name='adapt',
        type='TrainStage',
        config='cyclefeat/cyclefeat_demo_adapt.py',
        cfg_options={
            'model.segmentor.init_cfg.checkpoint': '@pretrain.checkpoint'
        }),
]

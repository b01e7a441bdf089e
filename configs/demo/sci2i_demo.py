# Brehm et al. (ICAART 2022) on the embedded demo pair: the pipeline of
# configs/sci2i_gta.py (docs/sci2i.md) with the shrunk networks and
# schedules of configs/demo/sci2i_*_demo.py, after a first stage that
# stands in for ImageNet weights: the segmentor trained on the source alone
# (sci2i_pretrain_demo.py). M0 and M1 start from it, as does the
# source-only control (sci2i_source_only_demo.py). The discriminator's
# frozen VGG trunk is conv1_1..conv3_3 of the warm-up teacher M0
# (sci2i_translation_demo.py).
#
#   python tools/make_demo_data.py            # writes data/demo (seconds)
#   OMP_NUM_THREADS=1 python tools/train.py configs/demo/sci2i_demo.py
#   OMP_NUM_THREADS=1 python tools/train.py \
#       configs/demo/sci2i_source_only_demo.py
#
# For another seed add `--cfg-options stage_cfg_options.randomness.seed=1`.
# Work dirs: work_dirs/sci2i_demo/{pretrain,warmup,pseudo_labels,translation,
# translate,final}; translation/vis holds the visualisation hook's strips
# (source | translation | AC-head prediction | target | identity |
# pseudo-labels).
stages = [
    dict(type='TrainStage', name='pretrain', config='sci2i_pretrain_demo.py'),
    dict(
        type='TrainStage',
        name='warmup',
        config='sci2i_warmup_demo.py',
        cfg_options={'load_from': '@pretrain.checkpoint'}),
    dict(
        type='PseudoLabelStage',
        name='pseudo_labels',
        config='@warmup.config',
        checkpoint='@warmup.checkpoint',
        threshold='none'),
    dict(
        type='TrainStage',
        name='translation',
        config='sci2i_translation_demo.py',
        cfg_options={
            'model.segmentor.init_cfg':
            dict(
                type='Pretrained',
                checkpoint='@warmup.checkpoint',
                prefix='teacher.module.'),
            'model.discriminators.disc.vgg_checkpoint':
            '@warmup.checkpoint',
            'train_dataloader.dataset.target':
            '@pseudo_labels.dataset',
        }),
    dict(
        type='TranslateStage',
        name='translate',
        config='@translation.config',
        checkpoint='@translation.checkpoint'),
    dict(
        type='TrainStage',
        name='final',
        config='sci2i_final_demo.py',
        cfg_options={
            'load_from': '@pretrain.checkpoint',
            'train_dataloader.dataset.translated': '@translate.dataset'
        }),
]

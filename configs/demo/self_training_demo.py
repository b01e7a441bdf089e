# A pipeline config (docs/pipelines.md): self-training with BDL's
# class-wise pseudo-labels on the embedded demo pair, in three stages run
# by one command:
#
#   python tools/make_demo_data.py            # writes data/demo (seconds)
#   OMP_NUM_THREADS=1 python tools/train.py configs/demo/self_training_demo.py
#
# 1. source_only: configs/demo/source_only_demo.py (GTA5-style source only);
# 2. two rounds of
#    a. pseudo_labels: the latest model (round 1: the source-only one)
#       labels the target training set; per class, pixels below the class's
#       median confidence (capped at 0.9) are ignored (BDL, Li et al. CVPR
#       2019, official code liyunsheng13/BDL SSL.py; Musto & Zinelli use
#       BDL's settings);
#    b. self_train: configs/demo/self_training_round_demo.py, the same
#       network trained on the source plus the pseudo-labelled target,
#       starting from the latest model.
#
# Work dirs: work_dirs/self_training_demo/{source_only,
# self_training/round_<k>/{pseudo_labels,self_train}}; test any stage's
# checkpoint with tools/test.py and its stage_config.py. What follows BDL
# and what the demo simplifies: docs/pipelines.md ("The demo pipeline").
stages = [
    dict(type='TrainStage', name='source_only', config='source_only_demo.py'),
    dict(
        type='RepeatStages',
        name='self_training',
        # BDL: two self-supervised rounds (the official README's
        # SSL_step1 and SSL_step2 models)
        times=2,
        stages=[
            dict(
                type='PseudoLabelStage',
                name='pseudo_labels',
                config='@self_train.config | @source_only.config',
                checkpoint='@self_train.checkpoint | @source_only.checkpoint',
                # the demo target training set (the configs above train on
                # the source alone)
                dataset='../_base_/datasets/uda_demo_gta5_to_cityscapes.py',
                threshold='classwise',  # BDL SSL.py: per-class median,
                cap=0.9),  # capped at 0.9
            dict(
                type='TrainStage',
                name='self_train',
                config='self_training_round_demo.py',
                cfg_options={
                    'load_from':
                    '@self_train.checkpoint | @source_only.checkpoint',
                    'train_dataloader.dataset.datasets.1':
                    '@pseudo_labels.dataset'
                }),
        ]),
]

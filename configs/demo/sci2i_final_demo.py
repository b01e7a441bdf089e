# Brehm et al. demo, phase (c): the final mean teacher M1 on the demo
# source, its translation and the target. Stage 5 of
# configs/demo/sci2i_demo.py, which hands over the translated set.
_base_ = ['./sci2i_warmup_demo.py']
translated_dir = 'work_dirs/sci2i_demo/translate'
train_dataloader = dict(
    dataset=dict(
        type='TranslatedSourceUDADataset',
        translated=dict(
            type='GTA5Dataset',
            data_root=translated_dir,
            pipeline=_base_.source_pipeline)))

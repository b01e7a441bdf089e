# Brehm et al. (ICAART 2022), phase (b) without pre-computed pseudo-labels
# (Table 3, "w/o pre-computed pseudo-labels"): the target pseudo-labels are
# the AC head's own arg-max, made online; lambda_pl and lambda_cgan fade
# linearly from 0 at iteration 20,000 to 0.3 at iteration 100,000 (Sec.
# 4.2). No warm-up model: the frozen segmentor keeps random weights (it is
# not used in training).
_base_ = ['./sci2i_gta_translation.py']
model = dict(pseudo_labels='online', segmentor=dict(init_cfg=None))
train_dataloader = dict(
    dataset=dict(
        allow_target_labels=False,
        target=dict(
            _delete_=True,
            type='CityscapesDataset',
            data_root=_base_.target_data_root,
            data_prefix=dict(img_path='leftImg8bit/train'),
            pipeline=_base_.target_pipeline)))

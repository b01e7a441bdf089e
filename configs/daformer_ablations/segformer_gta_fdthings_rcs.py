# Table 5 of Hoyer et al. (CVPR 2022): thing-class feature distance and
# rare-class sampling (T = 0.01) together (official experiments.py id 5,
# 'dacs_fdthings', rcs_T=0.01).
_base_ = ['./segformer_gta_fdthings.py']
train_dataloader = dict(
    sampler=dict(
        _delete_=True,
        type='RareClassSampler',
        temperature=0.01,
        min_pixels=3000,
        min_crop_ratio=0.5,
        crop_retries=10))

# Table 5 of Hoyer et al. (CVPR 2022): segformer_gta_dacs.py + class-uniform
# source sampling (official experiments.py id 5, rcs_T=math.inf: rare-class
# sampling with T = inf, every class equally likely).
_base_ = ['./segformer_gta_dacs.py']
train_dataloader = dict(
    sampler=dict(
        _delete_=True,
        type='RareClassSampler',
        temperature='inf',
        min_pixels=3000,
        min_crop_ratio=0.5,
        crop_retries=10))

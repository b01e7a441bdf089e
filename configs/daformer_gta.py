# DAFormer, GTA5 -> Cityscapes (Hoyer et al., CVPR 2022, Table 6: 68.3
# mIoU, mean of 3 seeds), the official final config
# (lhoyer/DAFormer configs/daformer/
# gta2cs_uda_warm_fdthings_rcs_croppl_a999_daformer_mitb5_s0.py): MiT-B5 +
# DAFormer decoder, DACS self-training with alpha 0.999, thing-class
# ImageNet feature distance, rare-class sampling, pseudo-label crop, AdamW
# with 10x decoder lr, linear warm-up over 1500 iterations, 40k iterations,
# batch 2, 512x512 crops.
#
#   tools/dist_train.sh configs/daformer_gta.py 8    # batch 2 per process
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/daformer_mitb5.py',
    './_base_/datasets/uda_gta5_to_cityscapes_512x512.py',
    './_base_/schedules/daformer_adamw_warmup.py',
]
# Rare-class sampling: rare_class_sampling=dict(min_pixels=3000,
# class_temp=0.01, min_crop_ratio=0.5); the official code retries a crop up
# to 10 times. Needs the class statistics the GTA5 converter writes
# (data/gta5/gta5_class_stats.json).
rcs = dict(
    type='RareClassSampler',
    temperature=0.01,
    min_pixels=3000,
    min_crop_ratio=0.5,
    crop_retries=10)
train_dataloader = dict(sampler=dict(rcs, _delete_=True))

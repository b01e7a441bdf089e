# DAFormer's ablation baseline, GTA5 -> Cityscapes: SegFormer (MiT-B5 with
# SegFormer's decoder) trained with plain DACS self-training, with DAFormer's
# training setup (AdamW, 10x decoder lr, warm-up, 40k iterations, 512x512
# crops). Hoyer et al., CVPR 2022, Table 1 "SegFormer / UDA": 58.2 mIoU (mean
# of 3 seeds), the first row of Table 5. Official: experiments.py id 1,
# ('segformer', 'mitb5'), uda 'dacs' (configs/_base_/uda/dacs.py:
# alpha 0.99, no feature distance, no pseudo-label crop), no rare-class
# sampling. The ablation configs of this folder change one thing each.
_base_ = ['../daformer_gta.py']

# configs/_base_/models/segformer_b5.py: SegFormerHead with 768-d linear
# embeddings of the four stages, a 1x1 fusion conv (BN, ReLU), dropout 0.1
# = DAFormerHead with fusion='conv'.
model = dict(
    segmentor=dict(
        decode_head=dict(
            embed_dims=768, channels=768, fusion='conv',
            fusion_kernel_size=1)),
    # only the mean teacher: no frozen ImageNet encoder (no FD)
    networks=dict(
        _delete_=True,
        teacher=dict(role='ema', ema_of='segmentor', train_mode=True)),
    feature_distance=None,
    feature_distance_network=None,
    pseudo_weight_ignore_top=0,
    pseudo_weight_ignore_bottom=0)
# dacs.py: alpha=0.99
custom_hooks = [
    dict(
        type='MeanTeacherHook',
        decay=0.99,
        warmup=True,
        interval=1,
        buffers='copy')
]
# no rare-class sampling: the shuffled endless stream of uda_loaders.py
train_dataloader = dict(
    sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True))

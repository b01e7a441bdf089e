# DAFormer (Hoyer et al., CVPR 2022): the DAFormer network (MiT-B5 encoder,
# context-aware fusion decoder) trained with DACS self-training plus
# DAFormer's additions, as the official lhoyer/DAFormer config
# configs/daformer/gta2cs_uda_warm_fdthings_rcs_croppl_a999_daformer_mitb5_s0.py
# (rare-class sampling is set on the training dataloader by the method
# configs, the learning-rate warm-up by schedules/daformer_adamw_warmup.py).
_base_ = ['./dacs_deeplabv2_r101.py']
num_classes = 19

# ImageNet-pretrained MiT-B5 in mmseg's layout (the official
# pretrained/mit_b5.pth of NVlabs/SegFormer, converted with mmseg's
# tools/model_converters/mit2mmseg.py, see docs/self_training.md).
mit_b5_checkpoint = 'pretrained/mit_b5_mmseg.pth'
# mmseg's MixVisionTransformer with DAFormer's mit_b5 settings
# (mmseg/models/backbones/mix_transformer.py): embed dims 64-128-320-512,
# depths 3-6-40-3, heads 1-2-5-8, MLP ratio 4, spatial reduction 8-4-2-1,
# qkv bias, LayerNorm eps 1e-6, stochastic depth 0.1.
mit_b5 = dict(
    type='MixVisionTransformer',
    in_channels=3,
    embed_dims=64,
    num_stages=4,
    num_layers=[3, 6, 40, 3],
    num_heads=[1, 2, 5, 8],
    patch_sizes=[7, 3, 3, 3],
    strides=[4, 2, 2, 2],
    sr_ratios=[8, 4, 2, 1],
    out_indices=(0, 1, 2, 3),
    mlp_ratio=4,
    qkv_bias=True,
    drop_rate=0.0,
    attn_drop_rate=0.0,
    drop_path_rate=0.1,
    norm_cfg=dict(type='LN', eps=1e-6),
    init_cfg=dict(type='Pretrained', checkpoint=mit_b5_checkpoint))
# models/daformer_sepaspp_mitb5.py on daformer_conv1_mitb5.py: 256-d
# embeddings (embed_cfg mlp), fusion ASPP with depthwise separable convs,
# dilations 1, 6, 12, 18, no pooling, BN + ReLU; channels 256, dropout 0.1,
# align_corners False; mmseg 0.16's CrossEntropyLoss averages over all
# pixels (avg_non_ignore=False).
segmentor = dict(
    type='MultiOutputEncoderDecoder',
    data_preprocessor=None,
    backbone=mit_b5,
    decode_head=dict(
        type='DAFormerHead',
        in_channels=[64, 128, 320, 512],
        in_index=[0, 1, 2, 3],
        channels=256,
        embed_dims=256,
        fusion='aspp',
        fusion_dilations=(1, 6, 12, 18),
        fusion_separable=True,
        dropout_ratio=0.1,
        num_classes=num_classes,
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            avg_non_ignore=False)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

model = dict(
    # img_norm_cfg: ImageNet mean/std, RGB
    data_preprocessor=dict(
        _delete_=True,
        type='UDADataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255),
    segmentor=dict(_delete_=True, **segmentor),
    networks=dict(
        # the frozen ImageNet encoder of the feature distance
        # (imnet_model: the network as initialised, ImageNet weights)
        imnet_encoder=dict(mit_b5, role='frozen')),
    # dacs_a999_fdthings.py / the final config: thing-class ImageNet feature
    # distance, imnet_feature_dist_lambda=0.005, classes 6, 7, 11-18,
    # scale_min_ratio=0.75, last encoder stage (feat[-1])
    feature_distance=dict(
        type='ImageNetFeatureDistanceLoss',
        loss_weight=0.005,
        classes=[6, 7, 11, 12, 13, 14, 15, 16, 17, 18],
        min_ratio=0.75,
        num_classes=num_classes,
        feature_index=-1),
    feature_distance_network='imnet_encoder',
    # DAFormer's get_class_masks draws the classes from the whole batch
    # (torch.unique(labels))
    mix=dict(class_pool='batch'),
    # color_jitter_strength=0.2, color_jitter_probability=0.2 (applied if
    # u > 0.2)
    color_jitter=dict(strength=0.2, prob=0.8),
    # "Pseudo-Label Crop": pseudo_weight_ignore_top=15,
    # pseudo_weight_ignore_bottom=120 (rows of the 512x512 target crop)
    pseudo_weight_ignore_top=15,
    pseudo_weight_ignore_bottom=120)

# alpha=0.999 ("Increased Alpha"), the warm-up and buffers of
# dacs_deeplabv2_r101.py
custom_hooks = [
    dict(
        type='MeanTeacherHook',
        decay=0.999,
        warmup=True,
        interval=1,
        buffers='copy')
]

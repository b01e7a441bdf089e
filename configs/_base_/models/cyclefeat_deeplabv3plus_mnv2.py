# The segmentation network M = [M_e, M_d] of Toldo et al. (Sec. 4, "Network
# implementation"): DeepLab-v3+ on MobileNet-v2, output stride 16, ASPP with
# atrous rates 6, 12 and 18, built from mmseg's own parts (MobileNetV2 and
# DepthwiseSeparableASPPHead, the pair of mmseg's
# configs/mobilenet_v2/mobilenet-v2-d8_deeplabv3plus_*.py).
#
# ImageNet initialisation of the backbone from a local file:
#   torchvision's mobilenet_v2-b0353104.pth or mmpretrain's
#   mobilenet_v2_batch256_imagenet_20200708-3b2dc3af.pth, converted with
#   python tools/convert_models/mobilenet_v2.py IN \
#       checkpoints/mobilenet_v2_imagenet.pth
# The paper initialises from TensorFlow DeepLab's Pascal-VOC MobileNet-v2
# (deeplabv3_mnv2_pascal_trainval); the official code restores only its
# backbone (train_S.py: all_var_without_last_layers), so an ImageNet
# backbone replaces it here (see docs/cyclefeat.md).
num_classes = 19
pretrained_backbone = 'checkpoints/mobilenet_v2_imagenet.pth'

# The ImageNet weights expect RGB images normalised with ImageNet's mean and
# std (torchvision / mmpretrain training). The official TF model takes
# 2x/255 - 1 (its Pascal-VOC init's preprocessing); the generators here work
# in that [-1, 1] range and the model converts between the two.
data_preprocessor = dict(
    type='UDADataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)

# Official cyclegan/segmentator.py: fine_tune_batch_norm=False in both
# training stages: BatchNorm normalises with its stored statistics, its
# scale and offset are trained (FrozenStatsBN).
norm_cfg = dict(type='FrozenStatsBN', requires_grad=True)
segmentor = dict(
    type='MultiOutputEncoderDecoder',
    data_preprocessor=None,
    backbone=dict(
        type='MobileNetV2',
        widen_factor=1.,
        # output stride 16 (Sec. 4; official common.ModelOptions
        # output_stride=16): mmseg's default strides (1, 2, 2, 2, 1, 2, 1)
        # with the last stride-2 stage (160 channels) at stride 1 and the
        # layers after it dilated by 2 (mmseg's d8 configs do the same from
        # the stride-8 stage on: strides (1, 2, 2, 1, 1, 1, 1), dilations
        # (1, 1, 1, 2, 2, 4, 4)).
        strides=(1, 2, 2, 2, 1, 1, 1),
        dilations=(1, 1, 1, 1, 1, 2, 2),
        # mmseg's MobileNet-v2 DeepLab-v3+ outputs: 24 channels at stride 4
        # (the decoder's low-level features, official end point layer_4),
        # 32, 96 and the encoder output M_e(x): 320 channels at stride 16,
        # before ASPP (official end point layer_18, features_to_use
        # 'before_aspp').
        out_indices=(1, 2, 4, 6),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU6'),
        # ImageNet MobileNet-v2; `hint` (udaplug's key) is quoted when the
        # file is missing
        init_cfg=dict(
            type='Pretrained',
            checkpoint=pretrained_backbone,
            prefix='backbone.',
            hint='download torchvision\'s ImageNet MobileNet-v2 '
            '(https://download.pytorch.org/models/mobilenet_v2-b0353104.pth)'
            ' and run python tools/convert_models/mobilenet_v2.py '
            f'mobilenet_v2-b0353104.pth {pretrained_backbone} (mmpretrain\'s '
            'mobilenet_v2_batch256_imagenet_20200708-3b2dc3af.pth converts '
            'too); see docs/cyclefeat.md')),
    decode_head=dict(
        type='DepthwiseSeparableASPPHead',
        in_channels=320,
        in_index=3,
        # official DeepLabV3.py extract_features: depth = 256 per ASPP
        # branch (image pooling, 1x1, separable 3x3 at rates 6, 12, 18)
        channels=256,
        dilations=(1, 6, 12, 18),  # 1x1 branch + rates 6/12/18 (Sec. 4)
        # decoder (decoder_output_stride=[4]): low-level features of the
        # stride-4 stage (24 channels) projected to 48 channels (official
        # refine_by_decoder), two separable 3x3 convs of 256 channels
        c1_in_channels=24,
        c1_channels=48,
        # official: dropout with keep_prob 0.9 after the ASPP projection;
        # mmseg's head drops out before its classifier
        dropout_ratio=0.1,
        num_classes=num_classes,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            # lambda_ce = 1 (Sec. 4; official --lambda_cross 1.0); the
            # official loss averages over the labelled pixels
            loss_weight=1.0,
            avg_non_ignore=True)),
    train_cfg=dict(),
    # official model_val: whole images (2048x1024 Cityscapes val)
    test_cfg=dict(mode='whole'))

# The model of the source pre-training stage (Sec. 4: the segmentor trained
# with the cross-entropy on source images alone); cyclefeat_mnv2.py turns
# it into the adaptation model.
model = dict(
    _scope_='udaplug',  # see ../default_runtime.py
    type='SourceOnly',
    data_preprocessor=data_preprocessor,
    segmentor=segmentor)

# Table 5 of Hoyer et al. (CVPR 2022), DeepLab-v2 row: every training
# strategy of DAFormer on DAFormer's DeepLab-v2 (official experiments.py id
# 5, ('dlv2red', 'r101v1c'), 'dacs_a999_fdthings', rcs_T=0.01, plcrop=True;
# configs/_base_/models/deeplabv2red_r50-d8.py with depth 101): mmseg's
# ResNetV1c-101 (ImageNet init 'open-mmlab://resnet101_v1c', output stride 8:
# dilations 1-1-2-4, strides 1-2-1-1, contract_dilation, BN trained) and
# the DeepLab-v2 classifier with the dilations 6 and 12 only (the "reduced"
# head, DAFormer's note on AdaptSegNet's return-in-loop), no BN or dropout
# in the decoder. AdamW and the rest as daformer_gta.py.
_base_ = ['../daformer_gta.py']
# The ImageNet ResNetV1c-101 of open-mmlab://resnet101_v1c as a local file
# (https://download.openmmlab.com/pretrain/third_party/
# resnet101_v1c-e67eebb6.pth).
resnet101_v1c_checkpoint = 'pretrained/resnet101_v1c-e67eebb6.pth'
resnet101_v1c = dict(
    type='ResNetV1c',
    depth=101,
    num_stages=4,
    out_indices=(0, 1, 2, 3),
    dilations=(1, 1, 2, 4),
    strides=(1, 2, 1, 1),
    norm_cfg=dict(type='BN', requires_grad=True),
    norm_eval=False,
    style='pytorch',
    contract_dilation=True,
    init_cfg=dict(type='Pretrained', checkpoint=resnet101_v1c_checkpoint))
model = dict(
    segmentor=dict(
        backbone=dict(_delete_=True, **resnet101_v1c),
        decode_head=dict(
            _delete_=True,
            type='DeepLabV2Head',
            in_channels=2048,
            in_index=3,
            dilations=(6, 12),
            num_classes=_base_.num_classes,
            align_corners=False,
            init_cfg=dict(type='Normal', std=0.01, layer='Conv2d'),
            loss_decode=dict(
                type='CrossEntropyLoss',
                use_sigmoid=False,
                loss_weight=1.0,
                avg_non_ignore=False))),
    networks=dict(
        imnet_encoder=dict(_delete_=True, role='frozen', **resnet101_v1c)))

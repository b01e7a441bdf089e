# Musto & Zinelli (BMVC 2020), feature-level alignment stage (Sec. 3.4)
# with the "D" network: DeepLab-v2 ResNet-101. The network and the
# output-space discriminator are BDL's (liyunsheng13/BDL, model/deeplab.py,
# model/discriminator.py, BDL.py), whose settings Sec. 3.4 adopts.
num_classes = 19  # GTA5 -> Cityscapes; SYNTHIA configs set 16

# BDL data/__init__.py: BGR image minus IMG_MEAN, no std scaling (also
# AdaptSegNet's and the Caffe DeepLab/VGG models').
data_preprocessor = dict(
    type='UDADataPreProcessor',
    mean=[104.00698793, 116.66876762, 122.67891434],  # IMG_MEAN (BGR)
    std=[1.0, 1.0, 1.0],
    bgr_to_rgb=False,
    pad_val=0,
    seg_pad_val=255)

# BDL CrossEntropy2d: F.cross_entropy over the labelled pixels (255 ignored)
# -> avg_non_ignore=True.
seg_loss = dict(
    type='CrossEntropyLoss',
    use_sigmoid=False,
    loss_weight=1.0,  # lambda_seg = 1 (Sec. 3.4)
    avg_non_ignore=True)

segmentor = dict(
    type='MultiOutputEncoderDecoder',
    data_preprocessor=None,
    # BDL model/deeplab.py ResNet101: caffe-style strides, ceil-mode
    # max-pool, layer3/layer4 dilation 2/4 (output stride 8), BatchNorm
    # affine parameters frozen, statistics as in model.train() (BDL.py).
    backbone=dict(
        type='DeepLabResNet',
        depth=101,
        out_indices=(3, ),
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=False),
    # Single-level (BDL's layer5 on layer4): ASPP of four 3x3 convs,
    # dilations 6/12/18/24. BDL's Classifier_Module sums all four branches
    # (unlike AdaptSegNet's, which returns after two):
    # num_summed_branches=None.
    decode_head=dict(
        type='DeepLabV2Head',
        in_channels=2048,
        in_index=0,
        num_classes=num_classes,
        dilations=(6, 12, 18, 24),
        num_summed_branches=None,
        align_corners=True,  # nn.functional.upsample(align_corners=True)
        loss_decode=seg_loss),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

model = dict(
    _scope_='udaplug',  # see configs/_base_/default_runtime.py
    type='SAI2I',
    data_preprocessor=data_preprocessor,
    segmentor=segmentor,
    # BDL model/discriminator.py FCDiscriminator (= AdaptSegNet's): 4x4
    # stride-2 convs 64-128-256-512-1, LeakyReLU 0.2, on the softmax of
    # the upsampled prediction (BDL.py: F.softmax(trg_seg_score)).
    discriminators=dict(
        disc_out=dict(type='FCDiscriminator', in_channels=num_classes)),
    # lambda_adv = 1e-3 for DeepLab-v2 (Sec. 3.4; BDL --lambda-adv-target).
    adversarial_levels=dict(
        seg=dict(discriminator='disc_out', loss_weight=0.001)),
    ssl_loss_weight=1.0,  # lambda_SSL = 1 (Sec. 3.4)
    # BDL.py: BCEWithLogitsLoss, source predictions labelled 0, target 1;
    # target predictions pushed to 0 ("source").
    gan_loss=dict(type='DomainAdversarialLoss', gan_type='vanilla'))

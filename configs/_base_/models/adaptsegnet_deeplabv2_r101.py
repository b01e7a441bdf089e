# AdaptSegNet (Tsai et al., CVPR 2018), multi-level model of the official
# code (wasidennis/AdaptSegNet, model/deeplab_multi.py,
# train_gta2cityscapes_multi.py).
num_classes = 19  # GTA5 -> Cityscapes: the 19 Cityscapes train classes

# Official code: BGR image minus IMG_MEAN, no std scaling.
data_preprocessor = dict(
    type='UDADataPreProcessor',
    mean=[104.00698793, 116.66876762, 122.67891434],  # IMG_MEAN (BGR)
    std=[1.0, 1.0, 1.0],
    bgr_to_rgb=False,  # images are loaded BGR, as the official code feeds them
    pad_val=0,
    seg_pad_val=255)  # IGNORE_LABEL

# Segmentation loss: nn.CrossEntropyLoss(ignore_index=255) averages over the
# labelled pixels only -> avg_non_ignore=True.
seg_loss = dict(
    type='CrossEntropyLoss',
    use_sigmoid=False,
    loss_weight=1.0,
    avg_non_ignore=True)

# ASPP classifier (paper Sec. 5): four 3x3 convs with dilations 6/12/18/24
# straight to the classes. num_summed_branches=2: the official
# Classifier_Module returns inside its loop, so only the 6- and 12-dilated
# branches are summed; the released numbers were obtained that way.
classifier = dict(
    type='DeepLabV2Head',
    num_classes=num_classes,
    dilations=(6, 12, 18, 24),
    num_summed_branches=2,
    align_corners=True,  # nn.Upsample(..., align_corners=True)
    loss_decode=seg_loss)

segmentor = dict(
    type='MultiOutputEncoderDecoder',
    data_preprocessor=None,
    # DeepLab-v2 ResNet-101 (paper Sec. 5 "Segmentation Network"): caffe-style
    # strides, ceil-mode max-pool, layer3/layer4 dilation 2/4, output stride 8,
    # frozen BN affine parameters; BN statistics as the official model.train().
    backbone=dict(
        type='DeepLabResNet',
        depth=101,
        out_indices=(2, 3),
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=False),
    # ASPP classifier on conv5 (layer4), see `classifier` above.
    decode_head=dict(classifier, in_channels=2048, in_index=1),
    # Multi-level: auxiliary ASPP classifier on conv4 (layer3), lambda_seg=0.1
    # (paper Sec. 6.1; LAMBDA_SEG in the official code).
    auxiliary_head=dict(
        classifier,
        in_channels=1024,
        in_index=0,
        loss_decode=dict(seg_loss, loss_weight=0.1)),
    train_cfg=dict(),
    # Official evaluate_cityscapes.py: whole image, output upsampled to the
    # label size; only the main (layer4) output is evaluated.
    test_cfg=dict(mode='whole'))

# Output-space discriminators (paper Sec. 5 "Discriminator"; official
# model/discriminator.py): 5 convs 4x4 stride 2, 64-128-256-512-1,
# LeakyReLU 0.2, no normalisation, no final upsampling (commented out in the
# code), input = softmax of the upsampled prediction.
discriminator = dict(type='FCDiscriminator', in_channels=num_classes)

model = dict(
    _scope_='udaplug',  # see configs/_base_/default_runtime.py
    type='AdaptSegNet',
    data_preprocessor=data_preprocessor,
    segmentor=segmentor,
    discriminators=dict(disc_main=discriminator, disc_aux=discriminator),
    adversarial_levels=dict(
        # LAMBDA_ADV_TARGET2 (conv5) and LAMBDA_ADV_TARGET1 (conv4) of the
        # official code; paper Sec. 6.1.
        seg=dict(discriminator='disc_main', loss_weight=0.001),
        aux=dict(discriminator='disc_aux', loss_weight=0.0002)),
    # Vanilla GAN: BCEWithLogitsLoss, source label 0, target label 1.
    gan_loss=dict(type='DomainAdversarialLoss', gan_type='vanilla'))

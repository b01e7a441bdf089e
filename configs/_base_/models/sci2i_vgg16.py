# Networks of Brehm et al., "Semantically Consistent Image-to-Image
# Translation for Unsupervised Domain Adaptation" (ICAART 2022). No public
# code: every choice the paper leaves open is marked "not stated" and listed
# in docs/sci2i.md.
num_classes = 19  # GTA5 -> Cityscapes (Table 1, mIoU19)

# torchvision's ImageNet VGG-16 as a local file (no download in udaplug):
# https://download.pytorch.org/models/vgg16-397923af.pth, or the file that
# torchvision.models.vgg16(weights='IMAGENET1K_V1') caches in
# ~/.cache/torch/hub/checkpoints/. Used by the segmentor's encoder (Sec. 4.2:
# "VGG16 backbone pre-trained on the ImageNet dataset") and by the frozen
# part of the discriminator (Sec. 3.2).
vgg16_checkpoint = 'checkpoints/vgg16-397923af.pth'

# torchvision's VGG-16 expects RGB normalised with ImageNet's mean and std.
data_preprocessor = dict(
    type='UDADataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)

# Sec. 4.2: "VGG16 backbone ... Following Deeplab-v2, we incorporate Atrous
# Spatial Pyramid Pooling (ASPP) as the decoder and use a bi-linear
# up-sampling to get the segmentation output at image resolution" (as Choi
# et al. 2019 and Zhou et al. 2020, the VGG baselines of Table 1). Layout of
# udaplug's DeepLab-v2 VGG (configs/_base_/models/gioada_vgg16.py): pool4 and
# pool5 removed, conv5 dilated by 2, fc6/fc7 3x3 dilation 4 with 1024
# channels (output stride 8); ASPP with dilations 6/12/18/24, summed.
segmentor = dict(
    type='MultiOutputEncoderDecoder',
    data_preprocessor=None,
    backbone=dict(
        type='DeepLabVGG',
        depth=16,
        conv5_dilation=2,
        pool45='remove',
        fc_channels=1024,
        fc_dilation=4,
        init_cfg=dict(type='Pretrained', checkpoint=vgg16_checkpoint)),
    decode_head=dict(
        type='DeepLabV2Head',
        in_channels=1024,
        num_classes=num_classes,
        dilations=(6, 12, 18, 24),
        align_corners=False,  # bilinear up-sampling (not stated which)
        # Eq. (11): softmax cross-entropy on the source labels
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

# Sec. 3.2 "Generator": strided-conv encoder (down-sampling by 8), one
# residual block, deconvolution decoder, no skips; equalised LR, pixel norm,
# AdaIN and noise injection (Karras et al.); linear output. Channel widths,
# the style source of AdaIN (here: the input image itself) and the mapping
# network are not stated.
generator = dict(
    type='SCI2IGenerator',
    channels=(64, 128, 256, 512),  # not stated
    style_channels=256,  # not stated
    mapping_layers=4)  # not stated

# Sec. 3.2 "Discriminator": frozen ImageNet VGG-16 up to block3_conv3, 3
# trainable residual blocks, a GAN head (1 + |C| maps) and an AC head (|C|
# maps) at image resolution. Its own loss: pixel-wise LSGAN (Sec. 3.2: "We
# use the mean-squared error for the distance metric m") plus the class-wise
# term weighted lambda_cgan / |C| (Eq. 4-6); lambda_cgan = 0.3 with
# pre-computed pseudo-labels (Sec. 4.2). Labels: translated source ("fake")
# 0, target ("real") 1 (Eq. 2).
discriminator = dict(
    type='ACHeadDiscriminator',
    num_classes=num_classes,
    vgg_checkpoint=vgg16_checkpoint,
    num_res_blocks=3,  # Sec. 3.2: "additional 3 residual blocks"
    decoder_channels=(128, 64),  # not stated
    gan_loss=dict(
        type='ClassAwareAdversarialLoss',
        gan_type='lsgan',
        class_weight=0.3,  # lambda_cgan, Sec. 4.2
        source_label=0.0,
        target_label=1.0))

# Phases (a) and (c), Sec. 3.3: the mean teacher. Student = segmentor,
# teacher = its EMA (updated by MeanTeacherHook, decay 0.999, Sec. 4.2), which
# validation and testing use ("We report results of the teacher network").
mean_teacher = dict(
    type='SCI2IMeanTeacher',
    data_preprocessor=data_preprocessor,
    segmentor=segmentor,
    networks=dict(teacher=dict(role='ema', ema_of='segmentor')),
    # lambda_con: not stated. 10 on the squared L2 norm over the classes
    # (Eq. 12) is the scale of the mean teacher's CIFAR-10 setting (weight
    # 100 on the squared error averaged over 10 classes; Tarvainen and
    # Valpola 2017).
    consistency_weight=10.0,
    consistency_start=10000,  # Sec. 4.2: lambda_con = 0 for 10,000 steps
    consistency_loss=dict(type='SoftmaxConsistencyLoss'),  # Eq. (12)
    # Sec. 3.3: colour jitter, Gaussian blur and noise (strengths not
    # stated, see PhotometricPerturbation)
    perturbation=dict(type='PhotometricPerturbation'),
    predict_on='teacher')

# Phase (b), Sec. 3.2: image-to-image translation. No segmentation network
# is trained; the model holds the warm-up model as a frozen segmentor (the
# pipeline configs load M0's teacher into it), which validation would use.
translator = dict(
    type='SCI2ITranslator',
    data_preprocessor=data_preprocessor,
    segmentor=dict(segmentor, role='frozen'),
    generators=dict(
        gen=generator,
        # Sec. 4.2: "we keep exponential moving averages of the generator
        # weights" (decay 0.999 in MeanTeacherHook); it translates.
        gen_ema=dict(role='ema', ema_of='gen')),
    discriminators=dict(disc=discriminator),
    # Eq. (1): softmax cross-entropy on translated images with y_s
    seg_loss=dict(
        type='CrossEntropyLoss', use_sigmoid=False, avg_non_ignore=True),
    # Eq. (1): symmetric cross-entropy (Wang et al. 2019) on target images
    # with their pseudo-labels; alpha, beta and A not stated: the SCE
    # paper's defaults 0.1, 1 and log(1e-4).
    pseudo_seg_loss=dict(
        type='SymmetricCrossEntropyLoss', alpha=0.1, beta=1.0, clamp=1e-4),
    pseudo_label_weight=0.3,  # lambda_pl, Sec. 4.2 (pre-computed labels)
    pseudo_labels='precomputed',  # from M0's teacher, Sec. 3.3 / Table 3
    online_ramp=(20000, 100000),  # Sec. 4.2 (online pseudo-labels only)
    generator_seg_loss=True,  # L_G,seg of Eq. (9)
    identity_weight=1.0)  # Eq. (9): L_G,id unweighted

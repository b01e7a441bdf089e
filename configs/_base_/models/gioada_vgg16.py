# GIO-Ada (Chen et al., CVPR 2019): task network G_task (VGG-16 DeepLab-v2,
# shared encoder + semantic and depth ASPP decoders), image transform network
# G_img, image discriminator D_img and joint output discriminator D_output
# (paper Sec. 3, Fig. 2). The official code (github.com/yuhuayc/gio-ada) was
# not available to check; choices the paper leaves open are marked
# "unverified" and follow the public code GIO-Ada builds on (CycleGAN,
# AdaptSegNet's DeepLab-v2 VGG).
num_classes = 10  # Virtual KITTI -> KITTI (Table 1); configs override it

# ImageNet-pretrained torchvision VGG-16 (Sec. 3.5: "initialized with the
# ImageNet pre-trained weights"): RGB, torchvision mean/std (unverified: the
# official code may use Caffe's BGR VGG-16).
data_preprocessor = dict(
    type='UDADataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)

segmentor = dict(
    type='MultiOutputEncoderDecoder',
    data_preprocessor=None,
    # Sec. 3.5: "DeepLab-v2 model with VGG backbone"; layout of AdaptSegNet's
    # DeepLab-v2 VGG port (model/deeplab_vgg.py): pool4/pool5 removed, conv5
    # dilation 2, fc6/fc7 3x3 dilation 4 with 1024 channels, output stride 8.
    backbone=dict(
        type='DeepLabVGG',
        depth=16,
        conv5_dilation=2,
        pool45='remove',
        fc_channels=1024,
        fc_dilation=4,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://vgg16')),
    # Sec. 3.3/3.5: two decoders on the shared encoder, both DeepLab-v2 ASPP
    # (dilations 6/12/18/24, outputs summed), differing only in their output
    # channels (C semantics, 1 depth). lambda_depth = 0.1 (Sec. 3.5), L1
    # (Eq. 3) on depth normalised to [0, 1] (Sec. 3.2).
    decode_head=dict(
        type='JointSemanticDepthHead',
        in_channels=1024,
        num_classes=num_classes,
        dilations=(6, 12, 18, 24),
        depth_loss_weight=0.1,
        depth_act=None,
        align_corners=False,
        loss_decode=dict(  # Eq. (2): cross-entropy on source labels
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))  # Sec. 3.4: only G_task at test time

# Sec. 3.5: G_img "resembles the generator in CycleGAN": ResNet generator,
# 9 residual blocks, 64 base channels, instance norm, tanh output (CycleGAN's
# resnet_9blocks defaults). Input: image (3) + one-hot semantics (C) +
# normalised depth (1) (Sec. 3.2).
image_generator = dict(
    type='ResnetTransformGenerator',
    in_channels=3 + num_classes + 1,
    out_channels=3,
    base_channels=64,
    num_blocks=9,
    norm_cfg=dict(type='IN'),
    init_cfg=dict(type='normal', gain=0.02))
# Sec. 3.2/3.3/3.5: PatchGAN discriminators (70x70, CycleGAN's n_layers=3,
# instance norm) initialised from a Gaussian (N(0, 0.02) as CycleGAN).
image_discriminator = dict(
    type='PatchGANDiscriminator', in_channels=3, base_channels=64, num_conv=3)
output_discriminator = dict(
    type='PatchGANDiscriminator',
    in_channels=num_classes + 1,  # softmax semantics (C) + depth (1)
    base_channels=64,
    num_conv=3)

model = dict(
    _scope_='udaplug',  # see configs/_base_/default_runtime.py
    type='GIOAda',
    data_preprocessor=data_preprocessor,
    segmentor=segmentor,
    generators=dict(gen_img=image_generator),
    discriminators=dict(
        disc_img=image_discriminator, disc_output=output_discriminator),
    input_level=True,  # Table 1 "GIO-Ada": input + output level
    output_level=True,
    transform_inputs='both',  # Table 2 "+sd": semantics and depth
    output_alignment='joint',  # Table 3 "joint"
    input_loss_weight=0.1,  # lambda_input, Sec. 3.5
    output_loss_weight=0.001,  # lambda_output, Sec. 3.5
    # Eq. (1) and (4) are log-likelihood GAN objectives: vanilla (BCE).
    gan_loss=dict(type='DomainAdversarialLoss', gan_type='vanilla'))

# Toldo et al. (Image and Vision Computing 2020): the segmentor of
# cyclefeat_deeplabv3plus_mnv2.py inside a CycleGAN with semantic consistency
# and feature-level discriminators (paper Sec. 3-4, Fig. 1). Numbers from
# the paper and the official TF1 code (github.com/marco-toldo/UDAMobile:
# models/model_DA.py, train_DA.py, cyclegan/*.py); where they disagree the
# official code is followed (docs/cyclefeat.md lists every case).
_base_ = ['./cyclefeat_deeplabv3plus_mnv2.py']

# G_S->T, G_T->S: "stride-2 convolutions, residual blocks and fractionally
# strided convolutions" (Sec. 4), CycleGAN's ResNet generator (official
# cyclegan/generator.py): 64 base channels (--ngf 64), 9 residual blocks
# (images above 128 pixels), instance norm with learnable scale and offset
# (--norm instance, ops._instance_norm), N(0, 0.02) weights (ops._weights),
# and no tanh on the output (Generator(use_tanh=False)).
generator = dict(
    type='ResnetTransformGenerator',
    in_channels=3,
    out_channels=3,
    base_channels=64,
    num_blocks=9,
    norm_cfg=dict(type='IN', affine=True),
    tanh=False,
    init_cfg=dict(type='normal', gain=0.02))
# D_S, D_T (official cyclegan/discriminator_img.py): 4x4 convs 64-128-256-
# 512, all stride 2 (the paper says "5 stride-2 convolutional layers"; the
# fifth, 1-channel conv has stride 1 in the code), instance norm from the
# second, LeakyReLU 0.2, then a 4x4 stride-1 conv to one logit.
image_discriminator = dict(
    type='StridedPatchDiscriminator',
    in_channels=3,
    channels=(64, 128, 256, 512),
    strides=(2, 2, 2, 2))
# D'_S, D'_T: "the same structure ... but we modify the stride value to 1
# for all layers" (Sec. 4; official cyclegan/discriminator_feat.py,
# --stride_list 1 1 1 1, --channel_list 64 128 256 512) on the encoder
# output M_e: MobileNet-v2's 320-channel map before ASPP (official
# --features_to_use before_aspp).
feature_discriminator = dict(
    type='StridedPatchDiscriminator',
    in_channels=320,
    channels=(64, 128, 256, 512),
    strides=(1, 1, 1, 1))

# Least-squares GAN (official --use_lsgan True; the paper's Eq. 1-2 and 6-7
# are written with logs, Sec. 3.3 says the logarithm "is replaced by a
# L2-norm operator") with the official REAL_LABEL = 0.9 for real images or
# features and 0 for translated ones (models/model_DA.py).
real_label = 0.9
real_is_target = dict(
    type='DomainAdversarialLoss',
    gan_type='lsgan',
    source_label=0.0,
    target_label=real_label)
real_is_source = dict(
    type='DomainAdversarialLoss',
    gan_type='lsgan',
    source_label=real_label,
    target_label=0.0)

model = dict(
    _scope_='udaplug',  # see ../default_runtime.py
    type='CycleFeat',
    data_preprocessor=_base_.data_preprocessor,
    segmentor=_base_.segmentor,
    generators=dict(gen_st=generator, gen_ts=generator),
    discriminators=dict(
        disc_img_t=dict(image_discriminator, gan_loss=real_is_target),
        disc_img_s=dict(image_discriminator, gan_loss=real_is_source),
        disc_feat_t=dict(feature_discriminator, gan_loss=real_is_target),
        disc_feat_s=dict(feature_discriminator, gan_loss=real_is_source)),
    img_loss_weight=1.0,  # Eq. (8): L_i,S + L_i,T unweighted
    # official --lambda_cycle_G 10 --lambda_cycle_F 10 (one per direction);
    # the paper's lambda_cycle = 20 (Sec. 4) is cycle_loss_weight=20
    cycle_loss_weight=10.0,
    # lambda_sem = 0.1 (Sec. 4; official --lambda_sem 0.1)
    sem_loss=dict(type='SemanticConsistencyLoss', loss_weight=0.1),
    # lambda_feat = 1e-4 (Sec. 4; official --lambda_feat 0.0001), also on the
    # feature discriminators' loss as in the official code
    feat_loss_weight=1e-4,
    # "The segmentation network is kept fixed for the first 20K steps"
    # (Sec. 4); official --start_feat_step 20000 also starts the feature
    # discriminators there
    segmentor_frozen_iters=20000,
    # official: L_ce^s trains the segmentor only (S_loss_with_task is not in
    # the generator's loss)
    ce_to_generator=False,
    # official --pool_size 50, CycleGAN's image history
    image_buffer=dict(buffer_size=50))

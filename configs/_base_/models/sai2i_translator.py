# Musto & Zinelli (BMVC 2020), pixel-level alignment stage: the coupled,
# semantically adaptive translation network (Sec. 3.1-3.2, App. B Table 5).
# A stage config combines `translator` with a segmentor model config:
#   model = dict(_base_.translator, segmentor=dict(_base_.segmentor,
#                role='frozen', init_cfg=...), data_preprocessor=...)
# and sets the generators' label_channels to the number of classes.

# Table 5 "Encoder": c7s1-64, 4x4/2 to 128 and 256, 4 residual blocks of
# 256; instance norm, ReLU, spectral norm.
encoder = dict(
    type='ContentEncoder',
    in_channels=3,
    base_channels=64,
    num_downsamples=2,
    num_res_blocks=4,
    with_spectral_norm=True)
# Table 5 "Generator": 4 IN+SPADE residual blocks of 256, 2x nearest
# upsampling + 5x5 conv with layer norm to 128 and 64, 7x7 conv to 3, tanh.
# SPADE as released by its authors (NVlabs/SPADE normalization.py): 128
# hidden channels, 3x3 kernels, nearest resize, x * (1 + gamma) + beta.
generator = dict(
    type='SPADEGenerator',
    label_channels=None,  # set to the number of classes by the stage config
    in_channels=256,
    out_channels=3,
    num_res_blocks=4,
    num_upsamples=2,
    upsample_kernel_size=5,
    with_spade=True,
    spade_cfg=dict(
        hidden_channels=128,
        kernel_size=3,
        resize_mode='nearest',
        gamma_offset=1.0),
    with_spectral_norm=True)
# Table 5 "Discriminator (x3)": 4x4/2 convs 64-128-256-512, LeakyReLU 0.2,
# 1x1 to 1, spectral norm; LSGAN (Sec. 4). Eq. 3 labels: real 0, fake 1.
# The loss's 'source'/'target' arguments are the images of the source and
# the target domain: for D_S the real ones are the source images, for D_T
# the target images.
discriminator = dict(
    type='MultiScaleDiscriminator',
    in_channels=3,
    channels=(64, 128, 256, 512),
    num_scales=3,
    with_spectral_norm=True)
translator = dict(
    _scope_='udaplug',  # see configs/_base_/default_runtime.py
    type='SAI2ITranslator',
    generators=dict(
        enc_s=encoder, enc_t=encoder, gen_s=generator, gen_t=generator),
    discriminators=dict(
        disc_s=dict(
            discriminator,
            gan_loss=dict(
                type='MultiScaleAdversarialLoss',
                gan_type='lsgan',
                source_label=0.0,  # real source images
                target_label=1.0)),  # target images translated to source
        disc_t=dict(
            discriminator,
            gan_loss=dict(
                type='MultiScaleAdversarialLoss',
                gan_type='lsgan',
                source_label=1.0,  # source images translated to target
                target_label=0.0))),  # real target images
    # Sec. 4: lambda_recon 10, lambda_GAN 1, lambda_CCI 10, lambda_CCH 1,
    # lambda_SCE 10.
    loss_weights=dict(
        recon=10.0, gan=1.0, cycle_image=10.0, cycle_latent=1.0, sce=10.0),
    # Eq. 5: both cross-entropy terms with weight 1 (alpha = beta = 1); soft
    # targets (M's softmax on the untranslated image).
    sce_loss=dict(
        type='SymmetricCrossEntropyLoss',
        alpha=1.0,
        beta=1.0,
        loss_name='loss_sce'))

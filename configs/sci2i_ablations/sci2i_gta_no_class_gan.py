# Brehm et al. (ICAART 2022), Table 3 "w/o L_D,G,clsgan": 42.7 mIoU19. The
# I2I-only pipeline (configs/sci2i_gta_i2i_only.py) without the class-wise
# GAN terms (lambda_cgan = 0 in Eq. 6 for D and G); the GAN head keeps its
# 1 + |C| maps, the class maps get no loss.
_base_ = ['../sci2i_gta_i2i_only.py']
_key = 'model.discriminators.disc.gan_loss.class_weight'
_translation = dict(
    _base_._translation,
    cfg_options={
        **_base_._translation.cfg_options, _key: 0.0
    })
stages = [
    _base_._warmup, _base_._pseudo_labels, _translation, _base_._translate,
    _base_._final
]

# Brehm et al. (ICAART 2022), Table 3 "SGAN": 42.9 mIoU19. The I2I-only
# pipeline (configs/sci2i_gta_i2i_only.py) with the standard GAN target:
# the distance m of Eq. (2)-(5) is the binary cross-entropy with logits
# instead of the squared error.
_base_ = ['../sci2i_gta_i2i_only.py']
_key = 'model.discriminators.disc.gan_loss.gan_type'
_translation = dict(
    _base_._translation,
    cfg_options={
        **_base_._translation.cfg_options, _key: 'vanilla'
    })
stages = [
    _base_._warmup, _base_._pseudo_labels, _translation, _base_._translate,
    _base_._final
]

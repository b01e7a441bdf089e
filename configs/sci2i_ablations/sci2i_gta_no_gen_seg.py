# Brehm et al. (ICAART 2022), Table 3 "w/o L_G,seg": 38.1 mIoU19. The
# I2I-only pipeline (configs/sci2i_gta_i2i_only.py) without the AC head's
# segmentation loss in the generator's objective (Eq. 9); the
# discriminator still learns L_D,seg (Sec. 4.4).
_base_ = ['../sci2i_gta_i2i_only.py']
_translation = dict(
    _base_._translation,
    cfg_options={
        **_base_._translation.cfg_options, 'model.generator_seg_loss': False
    })
stages = [
    _base_._warmup, _base_._pseudo_labels, _translation, _base_._translate,
    _base_._final
]

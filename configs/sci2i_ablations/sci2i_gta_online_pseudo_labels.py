# Brehm et al. (ICAART 2022), Table 3 "w/o pre-computed pseudo-labels":
# 40.0 mIoU19. No warm-up model: the I2I model's target pseudo-labels are
# the AC head's own predictions, made online, with lambda_pl and
# lambda_cgan ramped (configs/sci2i_stages/sci2i_gta_translation_online.py);
# the final model as in configs/sci2i_gta_i2i_only.py.
_base_ = ['../sci2i_gta_i2i_only.py']
_translation = dict(
    type='TrainStage',
    name='translation',
    config='{{ fileDirname }}/../sci2i_stages/'
    'sci2i_gta_translation_online.py')
stages = [_translation, _base_._translate, _base_._final]

# Musto & Zinelli (BMVC 2020), Table 3 (GTA5 -> Cityscapes, DeepLab-v2
# ResNet-101): SPADE (semantic guidance) without the SCE loss: 49.5 mIoU (both:
# 50.4, configs/sai2i_gta_deeplabv2.py). The pipeline of
# configs/sai2i_gta_deeplabv2.py with the translation stages changed as below;
# everything else as there. Not trained at full scale here.
_base_ = ['../sai2i_gta_deeplabv2.py']
_translation_options = {'model.loss_weights.sce': 0.0}

# the translation stages (round 1's and the repeated rounds')
stages = _base_.stages
stages[0]['cfg_options'].update(_translation_options)
stages[4]['stages'][0]['cfg_options'].update(_translation_options)

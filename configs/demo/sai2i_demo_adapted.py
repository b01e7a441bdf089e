# Musto & Zinelli on the embedded demo pair: M0, the model the rounds start
# from (the first stage of configs/demo/sai2i_demo.py). The paper starts
# from BDL's released *adapted* model (Sec. 4: "We initialize the
# segmentation networks from [BDL]"; 48.5 mIoU in Table 1), which has no
# demo counterpart. Its stand-in is adapted by udaplug itself: the demo
# segmentor (half-width DeepLab-v2 ResNet-18, single level, random init)
# trained with the output-space adversarial adaptation of BDL's
# segmentation step (AdaptSegNet's single-level step: source
# cross-entropy, lambda_adv 1e-3 on the target's softmax output, BDL's
# FCDiscriminator), i.e. the segmentation stage of the method without
# translated images and pseudo-labels. Data and schedule are those of
# configs/demo/adaptsegnet_demo.py (600 iterations, SGD 0.01 poly, 4
# source + 4 target images per step).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sai2i_deeplabv2_r18.py',
    '../_base_/datasets/uda_demo_gta5_to_cityscapes.py',
    '../_base_/schedules/demo_sgd_poly.py',
]
model = dict(
    _delete_=True,
    _scope_='udaplug',  # see configs/_base_/default_runtime.py
    type='AdaptSegNet',
    data_preprocessor=_base_.data_preprocessor,
    segmentor=_base_.segmentor,
    discriminators=_base_.model.discriminators,
    adversarial_levels=_base_.model.adversarial_levels,
    gan_loss=_base_.model.gan_loss)

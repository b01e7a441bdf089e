# AdaptSegNet, GTA5 -> Cityscapes, single-level with the least-squares GAN
# objective (Tsai et al., appendix A, Eq. 7/8; Table 7 "LS-GAN": 44.1 mIoU).
# Official README: --lambda-seg 0.0 --lambda-adv-target1 0.0
# --lambda-adv-target2 0.01 --gan LS (MSELoss on the same 0/1 labels).
_base_ = ['./adaptsegnet_gta_single.py']
model = dict(
    adversarial_levels=dict(seg=dict(loss_weight=0.01)),
    gan_loss=dict(gan_type='lsgan'))

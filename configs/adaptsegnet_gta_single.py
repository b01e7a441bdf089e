# AdaptSegNet, GTA5 -> Cityscapes, single-level (Tsai et al., CVPR 2018,
# Table 1 "Ours (single-level)": 41.4 mIoU). The official README trains it
# with train_gta2cityscapes_multi.py --lambda-seg 0.0 --lambda-adv-target1 0.0
# --lambda-adv-target2 0.001: no conv4 classifier loss and no conv4
# discriminator, i.e. the model below.
_base_ = ['./adaptsegnet_gta.py']
model = dict(
    segmentor=dict(auxiliary_head=None),
    discriminators=dict(
        _delete_=True, disc_main=dict(type='FCDiscriminator', in_channels=19)),
    adversarial_levels=dict(
        _delete_=True, seg=dict(discriminator='disc_main', loss_weight=0.001)))

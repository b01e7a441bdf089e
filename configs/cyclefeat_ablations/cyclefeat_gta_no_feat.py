# Toldo et al., Table 3 "Ours (lambda_feat = 0)": 40.7 mIoU, GTA5 ->
# Cityscapes. The adaptation stage of configs/cyclefeat_gta.py without
# feature discriminators. Starts from the pre-trained segmentor of
# configs/cyclefeat_gta.py (its first stage; run it first, or set
# model.segmentor.init_cfg.checkpoint).
_base_ = ['../cyclefeat/cyclefeat_gta_adapt.py']
model = dict(
    feat_loss_weight=0.0,  # lambda_feat = 0: no feature discriminators
    discriminators=dict(
        _delete_=True,
        disc_img_t=_base_.model.discriminators.disc_img_t,
        disc_img_s=_base_.model.discriminators.disc_img_s))

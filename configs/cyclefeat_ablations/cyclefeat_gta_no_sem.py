# Toldo et al., Table 3 "Ours (lambda_sem = 0)": 39.6 mIoU, GTA5 ->
# Cityscapes. The adaptation stage of configs/cyclefeat_gta.py without the
# semantic consistency loss. Starts from the pre-trained segmentor of
# configs/cyclefeat_gta.py (its first stage; run it first, or set
# model.segmentor.init_cfg.checkpoint).
_base_ = ['../cyclefeat/cyclefeat_gta_adapt.py']
model = dict(sem_loss=None)  # lambda_sem = 0

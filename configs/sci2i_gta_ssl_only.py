# Brehm et al. (ICAART 2022), Table 4 "L_FS,seg + SSL": 39.2 mIoU19. The
# mean teacher on GTA5 + Cityscapes without translated images: phase (a)
# of configs/sci2i_gta.py on its own (one ordinary config, no pipeline).
_base_ = ['./sci2i_stages/sci2i_gta_warmup.py']

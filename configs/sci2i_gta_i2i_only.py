# Brehm et al. (ICAART 2022), Table 4 "L_FS,seg + I2I" (= Table 3
# "LSGAN"): 43.9 mIoU19. The pipeline of configs/sci2i_gta.py whose final
# model learns "in a purely supervised fashion" (Sec. 4.4) on 50% GTA5 and
# 50% translated images: no consistency loss (lambda_con = 0). The I2I
# model still learns from the warm-up mean teacher's pseudo-labels
# ("pre-computed pseudo-labels", Table 3).
_base_ = ['./sci2i_gta.py']
_final = dict(
    _base_._final,
    cfg_options={
        **_base_._final.cfg_options, 'model.consistency_weight': 0.0
    })
stages = [
    _base_._warmup, _base_._pseudo_labels, _base_._translation,
    _base_._translate, _final
]

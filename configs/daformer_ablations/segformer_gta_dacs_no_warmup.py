# Table 4 of Hoyer et al. (CVPR 2022), "learning rate warmup": SegFormer +
# DACS of segformer_gta_dacs.py without the warm-up (official
# experiments.py id 4: schedule 'poly10', configs/_base_/schedules/poly10.py:
# poly, power 1.0, min_lr=1e-4, no warm-up).
# min_lr=1e-4 is above the encoder's base lr 6e-5, so mmcv's poly moves the
# encoder's lr linearly *up* from 6e-5 to 1e-4 (and the decoder's down from
# 6e-4 to 1e-4); mmengine's PolyLR with eta_min=1e-4 does the same. This is
# the official setting, reproduced as is.
_base_ = ['./segformer_gta_dacs.py']
param_scheduler = [
    dict(
        type='PolyLR',
        power=1.0,
        eta_min=1e-4,
        begin=0,
        end=_base_.max_iters + 1,
        by_epoch=False)
]

# Brehm et al. demo, phase (a): the warm-up mean teacher M0 on the embedded
# demo pair (GTA5-style source, Cityscapes-style target), 128x64. Stage 1 of
# configs/demo/sci2i_demo.py; alone, it is the demo's "+SSL" row.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sci2i_vgg16_demo.py',
    '../_base_/datasets/uda_demo_gta5_to_cityscapes.py',
    '../_base_/schedules/sci2i_demo.py',
]
model = dict(_base_.mean_teacher, consistency_start=_base_.consistency_start)

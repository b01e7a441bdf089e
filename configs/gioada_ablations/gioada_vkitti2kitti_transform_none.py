# GIO-Ada ablation, Virtual KITTI -> KITTI, input-level adaptation only:
# the image transform network takes the image only (no extra inputs),
# guided by the task network (Table 2 "gd": 43.5 mIoU).
_base_ = ['./gioada_vkitti2kitti_input_only.py']
model = dict(
    transform_inputs='none', generators=dict(gen_img=dict(in_channels=3)))

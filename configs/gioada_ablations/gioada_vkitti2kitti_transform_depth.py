# GIO-Ada ablation, Virtual KITTI -> KITTI, input-level adaptation only:
# the image transform network takes the image + normalised depth (Table 2
# "+d": 44.2 mIoU).
_base_ = ['./gioada_vkitti2kitti_input_only.py']
model = dict(
    transform_inputs='depth', generators=dict(gen_img=dict(in_channels=3 + 1)))

# GIO-Ada ablation, Virtual KITTI -> KITTI, output-level adaptation only:
# D_output sees the predicted depth (1 channel) (Table 3 "depth": 43.8 mIoU).
_base_ = ['./gioada_vkitti2kitti_output_only.py']
model = dict(
    output_alignment='depth',
    discriminators=dict(disc_output=dict(in_channels=1)))

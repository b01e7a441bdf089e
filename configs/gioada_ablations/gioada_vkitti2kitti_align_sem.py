# GIO-Ada ablation, Virtual KITTI -> KITTI, output-level adaptation only:
# D_output sees the softmax semantics (C channels) (Table 3 "ss": 45.9 mIoU).
_base_ = ['./gioada_vkitti2kitti_output_only.py']
model = dict(
    output_alignment='semantic',
    discriminators=dict(disc_output=dict(in_channels=_base_.num_classes)))

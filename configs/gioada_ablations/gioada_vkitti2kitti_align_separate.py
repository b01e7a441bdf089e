# GIO-Ada ablation, Virtual KITTI -> KITTI, output-level adaptation only:
# two discriminators align the semantic (C channels) and the depth (1
# channel) outputs separately (Table 3 "sep": 46.3 mIoU), each weighted by
# lambda_output.
_base_ = ['./gioada_vkitti2kitti_output_only.py']
model = dict(
    output_alignment='separate',
    discriminators=dict(
        _delete_=True,
        disc_output_seg=dict(
            _base_.output_discriminator, in_channels=_base_.num_classes),
        disc_output_depth=dict(_base_.output_discriminator, in_channels=1)))

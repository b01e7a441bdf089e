# GIO-Ada ablation, Virtual KITTI -> KITTI, input-level adaptation only:
# the image transform network takes the image + one-hot semantics (Table 2
# "+s": 44.7 mIoU).
_base_ = ['./gioada_vkitti2kitti_input_only.py']
model = dict(
    transform_inputs='semantics',
    generators=dict(gen_img=dict(in_channels=3 + _base_.num_classes)))

# GIO-Ada ablation, Virtual KITTI -> KITTI: output-level adaptation only
# (Table 1 "output-level adapt" = Table 3 "joint": 50.0 mIoU). The task
# network sees the source images untranslated; D_output aligns the joint
# semantics + depth output space.
_base_ = ['../gioada_vkitti2kitti.py']
model = dict(
    input_level=False,
    transform_inputs=None,
    generators=None,
    discriminators=dict(
        _delete_=True, disc_output=_base_.model.discriminators.disc_output))
# no translated image to show
custom_hooks = [
    dict(
        type='TranslationVisualizationHook',
        interval=1000,
        out_dir='vis',
        panels=('source_image', 'depth_pred', 'seg_pred'))
]

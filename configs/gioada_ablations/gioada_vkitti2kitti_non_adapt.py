# GIO-Ada ablation, Virtual KITTI -> KITTI: no adaptation (Table 1-3
# "non-adapt"/"na": 37.5 mIoU). The joint semantic + depth task network
# trained on the source images only.
_base_ = ['../gioada_vkitti2kitti.py']
model = dict(
    input_level=False,
    output_level=False,
    transform_inputs=None,
    output_alignment=None,
    generators=None,
    discriminators=None)
custom_hooks = [
    dict(
        type='TranslationVisualizationHook',
        interval=1000,
        out_dir='vis',
        panels=('source_image', 'depth_pred', 'seg_pred'))
]

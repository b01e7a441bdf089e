# GIO-Ada's task network alone on the embedded demo pair (Tables 1-3
# "non-adapt"/"na", as
# configs/gioada_ablations/gioada_vkitti2kitti_non_adapt.py):
# the task network of gioada_adapt_demo.py (same widths, initialisation,
# optimiser, schedule, batch and data) trained on the SYNTHIA-style source
# images alone, evaluated on the target val split. The second stage of the
# non-adapted control gioada_non_adapt_demo.py; the base of the warm-up
# stage gioada_warmup_demo.py.
_base_ = ['./gioada_adapt_demo.py']
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
        interval=_base_.custom_hooks[0].interval,
        out_dir='vis',
        panels=('source_image', 'depth_pred', 'seg_pred'))
]

# The source-only control of the Brehm et al. demo: the segmentor of
# configs/demo/sci2i_final_demo.py (same network, initialisation, optimiser,
# schedule and source batches) trained on the demo source alone; the
# student is evaluated (there is no teacher).
_base_ = ['./sci2i_warmup_demo.py']
model = dict(
    _delete_=True,
    type='SourceOnly',
    data_preprocessor=_base_.data_preprocessor,
    segmentor=_base_.mean_teacher.segmentor)
custom_hooks = []

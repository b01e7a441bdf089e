# The segmentor of the Brehm et al. demo trained on the demo source alone
# (SourceOnly: the student is evaluated, there is no teacher): the network,
# optimiser, schedule (seg_iters) and source batches of sci2i_final_demo.py.
# Stage 2 of the source-only control sci2i_source_only_demo.py (which
# starts it from the pre-training checkpoint, `load_from`) and the base of
# the pre-training stage sci2i_pretrain_demo.py.
_base_ = ['./sci2i_warmup_demo.py']
model = dict(
    _delete_=True,
    _scope_='udaplug',
    type='SourceOnly',
    data_preprocessor=_base_.data_preprocessor,
    segmentor=_base_.mean_teacher.segmentor)
custom_hooks = []

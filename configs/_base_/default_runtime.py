# Runtime settings shared by every udaplug config (mmseg's defaults, with
# udaplug's scope and its data-parallel wrapper).
default_scope = 'udaplug'
# Every model config also names its scope, ``model = dict(_scope_='udaplug',
# type=...)``: mmseg's MMSegInferencer builds the model in the scope passed
# to it (``'mmseg'`` unless told otherwise), and ``_scope_`` makes the model
# and every network inside it resolve udaplug's modules whatever the caller's
# scope. (A model config cannot be set here: two bases must not define the
# same key.)
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo on machines without CUDA.
    dist_cfg=dict(backend='nccl'),
)
# Every sub-network (segmentor, each discriminator and generator) gets its own
# DistributedDataParallel, as in mmengine's MMSeparateDistributedDataParallel;
# also runs on CPU (gloo). The runner looks wrappers up in mmengine's root
# registry, hence the scope prefix.
model_wrapper_cfg = dict(
    type='udaplug.UDADistributedDataParallel', find_unused_parameters=False)
vis_backends = [dict(type='LocalVisBackend')]
# No fixed name: the runner names the visualizer after the run, so several
# runs in one process (tools/demo.py, tests) each log to their own work dir.
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends)
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False

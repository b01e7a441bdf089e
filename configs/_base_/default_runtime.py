# Runtime settings shared by every udaplug config (mmseg's defaults, with
# udaplug's scope and its data-parallel wrapper).
default_scope = 'udaplug'
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo on machines without CUDA.
    dist_cfg=dict(backend='nccl'),
)
# Every sub-network (segmentor, each discriminator and generator) gets its own
# DistributedDataParallel, as in mmengine's MMSeparateDistributedDataParallel;
# also runs on CPU (gloo).
model_wrapper_cfg = dict(
    type='UDADistributedDataParallel', find_unused_parameters=False)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False

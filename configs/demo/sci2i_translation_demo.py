# Brehm et al. demo, phase (b): image-to-image translation on the demo pair
# with the warm-up teacher's pseudo-labels. Stage 3 of
# configs/demo/sci2i_demo.py, which hands over the warm-up checkpoint and
# the pseudo-labelled target set.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sci2i_vgg16_demo.py',
    '../_base_/datasets/uda_demo_gta5_to_cityscapes.py',
    '../_base_/schedules/sci2i_demo.py',
]
warmup_checkpoint = 'work_dirs/sci2i_demo/warmup/iter_1000.pth'
# The discriminator's frozen VGG trunk (in place of ImageNet VGG-16, which
# the machine does not have): conv1_1..conv3_3 of the warm-up teacher M0,
# the frozen segmentor of this stage. udaplug's DeepLabVGG keeps
# torchvision's layer indices, and the demo's widths match. M0 has seen both
# domains (source labels, target consistency); the pre-training stage's
# trunk, trained on the labelled source alone, let G draw colour fringes
# along every edge, and a random one delays them and can miss the colours
# of whole classes (docs/sci2i.md, "Where the fringes come from").
model = dict(
    _base_.translator,
    segmentor=dict(
        _base_.translator.segmentor,
        init_cfg=dict(
            type='Pretrained',
            checkpoint=warmup_checkpoint,
            prefix='teacher.module.')),
    discriminators=dict(
        disc=dict(
            _base_.discriminator,
            vgg_checkpoint=warmup_checkpoint,
            vgg_prefix='teacher.module.backbone.')))
optim_wrapper = dict(_delete_=True, **_base_.i2i_optim_wrapper)
param_scheduler = _base_.i2i_param_scheduler
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=_base_.i2i_iters)
val_cfg = None
val_dataloader = None
val_evaluator = None
default_hooks = dict(checkpoint=dict(interval=_base_.i2i_iters))
custom_hooks = [
    dict(
        type='MeanTeacherHook',
        decay=_base_.demo_ema_decay,
        interval=1,
        buffers='copy'),
    dict(type='TranslationVisualizationHook', interval=100, out_dir='vis'),
]
train_dataloader = dict(dataset=dict(allow_target_labels=True))

# Musto & Zinelli on the embedded demo pair: the segmentation stage of
# configs/demo/sai2i_demo.py (the method of configs/sai2i/
# gta_deeplabv2_segmentation.py: CE on the translated source, CE on the
# target pseudo-labels, lambda_adv 1e-3 output-space adversarial loss),
# with the demo segmentor (sai2i_deeplabv2_r18.py) and the demo schedule of
# configs/demo/source_only_demo.py (SGD 0.01, poly) shortened to 300
# iterations per round; 128x64 images, 4 per domain and step. The
# pipeline sets the translated source, the pseudo-labelled target and the
# previous M.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sai2i_deeplabv2_r18.py',
    '../_base_/datasets/uda_demo_gta5_to_cityscapes.py',
    '../_base_/schedules/demo_sgd_poly.py',
]
model = dict(
    segmentor=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/sai2i_demo/adapted/iter_600.pth',
            prefix='segmentor.')))
train_dataloader = dict(dataset=dict(allow_target_labels=True))
max_iters = 300
param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.0,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))

# GIO-Ada on the embedded demo pair: the SYNTHIA-style synthetic source
# (with depth) -> the Cityscapes-style "real" target, 16 classes, mIoU16 and
# mIoU13 on the target val split.
#
#   python tools/make_demo_data.py            # writes data/demo (seconds)
#   OMP_NUM_THREADS=1 python tools/train.py configs/demo/gioada_demo.py
#
# OMP_NUM_THREADS=1: on a small machine whose cores are also busy with other
# work, PyTorch's multi-threaded CPU kernels wait for each other and run many
# times slower than one thread (measured on 2 shared cores: ~0.1 s per
# iteration with one thread, 0.4-5 s with two).
#
# Same method, losses, loss weights, optimiser and 10-epoch schedule as
# configs/gioada_synthia.py (paper Sec. 3.5), shrunk to train on a CPU in a
# few minutes: images at 128x64, a narrow VGG-16 (16 instead of 64 base
# channels, 128-channel fc6/fc7, randomly initialised: no ImageNet weights),
# a narrow CycleGAN generator (16 base channels, 3 residual blocks) and
# narrow PatchGANs (16 base channels). Not a reproduction of the paper.
_base_ = ['../gioada_synthia.py']

demo_data_root = 'data/demo'
# udaplug.datasets.demo.DEMO_DEPTH_RANGE: the demo's depth maps are
# centimetres capped at 100 m; normalised to [0, 1] over that range (Sec. 3.2)
demo_depth_range = (0, 10000)
scale = (128, 64)  # (width, height): half of the demo's 256x128 images
num_classes = 16

model = dict(
    segmentor=dict(
        backbone=dict(base_channels=16, fc_channels=128, init_cfg=None),
        decode_head=dict(in_channels=128)),
    generators=dict(gen_img=dict(base_channels=16, num_blocks=3)),
    discriminators=dict(
        disc_img=dict(base_channels=16), disc_output=dict(base_channels=16)))

source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthFromFile', depth_range=demo_depth_range,
         normalize=True),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),  # Sec. 3.5
    dict(type='PackSegInputs'),
]
target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='LoadAnnotations'),  # evaluated at the label size (256x128)
    dict(type='PackSegInputs'),
]
# Loading 128x64 PNGs is cheap: no worker processes (on a 2-core machine
# they only compete with the training for the cores).
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        source=dict(
            data_root=demo_data_root + '/synthia', pipeline=source_pipeline),
        target=dict(
            data_root=demo_data_root + '/cityscapes',
            pipeline=target_pipeline)))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=demo_data_root + '/cityscapes', pipeline=test_pipeline))
test_dataloader = val_dataloader

# 10 epochs (Sec. 3.5) of the demo's 200 source images, one per iteration.
source_size = 200
max_iters = 10 * source_size  # 2,000 iterations
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=max_iters))
custom_hooks = [
    dict(type='TranslationVisualizationHook', interval=200, out_dir='vis')
]

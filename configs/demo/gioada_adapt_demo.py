# GIO-Ada on the embedded demo pair: the SYNTHIA-style synthetic source
# (with depth) -> the Cityscapes-style "real" target, 16 classes, mIoU16 and
# mIoU13 on the target val split. The adaptation stage of the demo pipeline
# configs/demo/gioada_demo.py, which runs the whole demo:
#
#   python tools/make_demo_data.py            # writes data/demo (seconds)
#   OMP_NUM_THREADS=1 python tools/train.py configs/demo/gioada_demo.py
#
# OMP_NUM_THREADS=1: on a small machine whose cores are also busy with other
# work, PyTorch's multi-threaded CPU kernels wait for each other and run many
# times slower than one thread.
#
# Same method, losses, loss weights and optimiser as configs/gioada_synthia.py
# (paper Sec. 3.5) on the data of
# configs/_base_/datasets/uda_demo_synthia_to_cityscapes.py, shrunk to train
# on one CPU core in about half an hour: images at 128x64, a narrow VGG-16
# (16 instead of 64 base channels, 128-channel fc6/fc7), a narrow CycleGAN
# generator (16 base channels, 3 residual blocks) and narrow PatchGANs (16
# base channels).
# Not a reproduction of the paper.
#
# Initialisation. The paper starts the task network from ImageNet weights
# (Sec. 3.5); the demo runs offline and has none. In their place the task
# network is He-initialised (a VGG without batch norm from PyTorch's default
# init barely trains in the demo's budget) and first trained on the source
# alone (gioada_warmup_demo.py); GIO-Ada then starts from that checkpoint,
# and so does its non-adapted control (gioada_non_adapt_demo.py). Run alone,
# this config adapts a task network from scratch, which does much worse
# than no adaptation (docs/gioada.md, "Demo").
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/gioada_vgg16.py',
    '../_base_/datasets/uda_demo_synthia_to_cityscapes.py',
    '../_base_/schedules/gioada_adam.py',
]
num_classes = 16  # the SYNTHIA-style source's 16 Cityscapes classes
model = dict(
    segmentor=dict(
        # He initialisation: no ImageNet weights offline (see above)
        backbone=dict(
            base_channels=16,
            fc_channels=128,
            init_cfg=dict(_delete_=True, type='Kaiming', layer='Conv2d')),
        decode_head=dict(in_channels=128, num_classes=num_classes)),
    # image (3) + one-hot semantics (C) + normalised depth (1), Sec. 3.2
    generators=dict(
        gen_img=dict(
            in_channels=3 + num_classes + 1, base_channels=16, num_blocks=3)),
    discriminators=dict(
        disc_img=dict(base_channels=16),
        # softmax semantics (C) + depth (1), Sec. 3.3
        disc_output=dict(in_channels=num_classes + 1, base_channels=16)))

# Data: the base's pipelines (depth normalised over the demo's depth range,
# horizontal flip only, Sec. 3.5) at 128x64, half the demo's 256x128, with
# no loader worker processes (on a 2-core machine they only compete with the
# training for the cores). Sec. 3.5: one source and one target image per
# iteration.
train_dataloader = dict(batch_size=1)

# 50 epochs of the demo's 200 source images, one per iteration, after the
# 10-epoch source-only warm-up of gioada_warmup_demo.py (its checkpoint is
# `load_from` in gioada_demo.py). The paper trains 10 epochs (Sec. 3.5) of
# its full source set (Sec. 4.1: 9,400 SYNTHIA or 21,260 Virtual KITTI
# images, so about 100k-200k iterations); 10 epochs of the 200 demo images
# are 2,000 iterations, after which G_img's translations are still a
# coloured lattice over a blurred scene. They lose the lattice and take on
# the target's look between 5,000 and 10,000 iterations (docs/gioada.md,
# "Demo").
source_size = 200
max_iters = 50 * source_size  # 10,000 iterations
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=100), checkpoint=dict(interval=max_iters))
custom_hooks = [
    dict(type='TranslationVisualizationHook', interval=1000, out_dir='vis')
]

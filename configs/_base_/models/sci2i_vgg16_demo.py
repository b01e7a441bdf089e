# The networks of sci2i_vgg16.py shrunk for the embedded demo pair (Brehm et
# al. demo configs, configs/demo/sci2i_*), to train on a CPU in minutes:
# - VGG-16 DeepLab-v2 with 16 instead of 64 base channels and 128-channel
#   fc6/fc7, initialised at random as torchvision initialises VGG (Kaiming
#   normal, fan-out): no ImageNet weights on a machine without downloads;
# - the generator down-samples by 2 (one strided conv; widths (16, 32))
#   instead of 8: the demo's images are 8x smaller than the paper's (long
#   side 128 instead of 1024), and through a x8 bottleneck (a 16x8 grid) G
#   could not even reconstruct target images (the L1 of the identity term
#   alone, trained for 800 steps: 0.25 at x8, 0.19 at x4, 0.14 at x2); a
#   32-wide style code, 2 mapping layers;
# - the discriminator's frozen VGG with 16 base channels (the paper's is
#   ImageNet-pretrained; configs/demo/sci2i_demo.py loads the warm-up
#   teacher M0's trunk into it), decoders 16 wide;
# - the perturbation's blur and noise at the demo's image size.
_base_ = ['./sci2i_vgg16.py']
segmentor = dict(
    backbone=dict(
        base_channels=16,
        fc_channels=128,
        init_cfg=dict(_delete_=True, type='Kaiming', layer='Conv2d')),
    decode_head=dict(in_channels=128))
generator = dict(channels=(16, 32), style_channels=32, mapping_layers=2)
discriminator = dict(
    vgg_checkpoint=None, vgg_base_channels=16, decoder_channels=(16, 16))
# P perturbs the demo images as much as the full configs' P (whose strengths
# the paper does not give) perturbs theirs. Its blur sigma is in pixels: the
# range of sci2i_vgg16.py (0.1-2 px at the paper's long side of 1024) is
# scaled to the demo's long side of 128 (x1/8). Its noise is per pixel:
# i.i.d. noise of std s at 1024 px, averaged over the 8x8 pixels of one demo
# pixel, is noise of std s/8 at 128 px, so std 0.05 / 8. (Unscaled, the
# noise is 8x the full configs': the warm-up M0 then fell 1.9 mIoU19 below
# the source-only control in both seeds, see docs/sci2i.md.)
mean_teacher = dict(
    segmentor=segmentor,
    perturbation=dict(blur_sigma=(0.1 / 8, 2.0 / 8), noise_std=0.05 / 8))
translator = dict(
    segmentor=dict(segmentor, role='frozen'),
    generators=dict(gen=generator),
    discriminators=dict(disc=discriminator))

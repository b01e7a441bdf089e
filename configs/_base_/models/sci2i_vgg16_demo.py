# The networks of sci2i_vgg16.py shrunk for the embedded demo pair (Brehm et
# al. demo configs, configs/demo/sci2i_*), to train on a CPU in minutes:
# - VGG-16 DeepLab-v2 with 16 instead of 64 base channels and 128-channel
#   fc6/fc7, initialised at random as torchvision initialises VGG (Kaiming
#   normal, fan-out): no ImageNet weights on a machine without downloads;
# - generator widths (16, 32, 32, 64), a 32-wide style code, 2 mapping
#   layers;
# - the discriminator on a random frozen VGG with 16 base channels (the
#   paper's is ImageNet-pretrained), decoders 16 wide.
_base_ = ['./sci2i_vgg16.py']
segmentor = dict(
    backbone=dict(
        base_channels=16,
        fc_channels=128,
        init_cfg=dict(_delete_=True, type='Kaiming', layer='Conv2d')),
    decode_head=dict(in_channels=128))
generator = dict(
    channels=(16, 32, 32, 64), style_channels=32, mapping_layers=2)
discriminator = dict(
    vgg_checkpoint=None, vgg_base_channels=16, decoder_channels=(16, 16))
mean_teacher = dict(segmentor=segmentor)
translator = dict(
    segmentor=dict(segmentor, role='frozen'),
    generators=dict(gen=generator),
    discriminators=dict(disc=discriminator))

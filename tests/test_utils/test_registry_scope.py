from mmengine.config import Config

from udaplug.registry import MODELS


def test_one_config_builds_mmseg_mmagic_and_udaplug_modules():
    cfg = Config(
        dict(
            model=dict(
                type='AdaptSegNet',  # udaplug
                data_preprocessor=dict(
                    type='UDADataPreProcessor', mean=[0, 0, 0], std=[1, 1, 1]),
                segmentor=dict(
                    type='MultiOutputEncoderDecoder',
                    backbone=dict(type='ResNetV1c', depth=18),  # mmseg
                    decode_head=dict(
                        type='FCNHead',  # mmseg
                        in_channels=512,
                        in_index=3,
                        channels=8,
                        num_classes=3),
                    test_cfg=dict(mode='whole')),
                discriminators=dict(
                    disc_main=dict(
                        type='mmagic.PatchDiscriminator',  # mmagic
                        in_channels=3,
                        base_channels=8,
                        num_conv=2)),
                adversarial_levels=dict(
                    seg=dict(discriminator='disc_main', loss_weight=1e-3)),
                gan_loss=dict(type='DomainAdversarialLoss',
                              gan_type='lsgan'))))
    model = MODELS.build(cfg.model)
    assert type(model).__module__.startswith('udaplug.')
    assert type(model.segmentor.backbone).__module__.startswith('mmseg.')
    assert type(model.segmentor.decode_head).__module__.startswith('mmseg.')
    assert type(model.disc_main).__module__.startswith('mmagic.')
    assert type(model.data_preprocessor).__module__.startswith('udaplug.')


def test_udaplug_registries_are_children_of_mmseg():
    assert MODELS.scope == 'udaplug'
    assert MODELS.parent.scope == 'mmseg'
    assert MODELS.parent.parent.scope == 'mmengine'
    # a name registered only in mmseg is found through udaplug's registry
    assert MODELS.get('EncoderDecoder') is not None
    assert MODELS.get('mmagic.ResnetGenerator') is not None

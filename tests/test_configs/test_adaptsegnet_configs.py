"""Each AdaptSegNet / source-only config trains for real (one iteration,
then a validation) on tiny data written in GTA5, SYNTHIA and Cityscapes'
native formats; and its numbers are the official ones."""
import os.path as osp

import pytest
import torch

from udaplug.apis import build_runner, load_config, trainable_networks
from udaplug.engine.optimizers import plan_optimizers

CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')

CONFIGS = {
    'adaptsegnet_gta.py':
    dict(levels={
        'seg': 0.001,
        'aux': 0.0002
    }, gan='vanilla', classes=19),
    'adaptsegnet_gta_single.py':
    dict(levels={'seg': 0.001}, gan='vanilla', classes=19),
    'adaptsegnet_gta_lsgan.py':
    dict(levels={'seg': 0.01}, gan='lsgan', classes=19),
    'adaptsegnet_synthia.py':
    dict(levels={
        'seg': 0.001,
        'aux': 0.0002
    }, gan='vanilla', classes=16),
    'source_only_gta.py':
    dict(levels={}, gan=None, classes=19),
}


def config(name):
    return load_config(osp.join(CONFIG_DIR, name))


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_official_settings(name):
    expect = CONFIGS[name]
    cfg = config(name)
    seg = cfg.model.segmentor
    assert seg.backbone.type == 'DeepLabResNet' and seg.backbone.depth == 101
    assert seg.decode_head.num_summed_branches == 2  # official forward
    assert seg.decode_head.num_classes == expect['classes']
    assert seg.decode_head.loss_decode.avg_non_ignore
    if 'aux' in expect['levels']:
        assert seg.auxiliary_head.loss_decode.loss_weight == 0.1
    else:
        assert seg.get('auxiliary_head') is None
    levels = cfg.model.get('adversarial_levels', {})
    assert {k: v.loss_weight for k, v in levels.items()} == expect['levels']
    if expect['gan']:
        assert cfg.model.gan_loss.gan_type == expect['gan']
    sgd = cfg.optim_wrapper.segmentor
    assert (sgd.optimizer.type, sgd.optimizer.lr, sgd.optimizer.momentum,
            sgd.optimizer.weight_decay) == ('SGD', 2.5e-4, 0.9, 5e-4)
    assert sgd.paramwise_cfg.custom_keys.decode_head.lr_mult == 10.0
    plan = plan_optimizers(
        trainable_networks(cfg.model), {
            k: v
            for k, v in cfg.optim_wrapper.items() if k != 'constructor'
        })
    discs = set(plan) - {'segmentor'}
    assert discs == {v.discriminator for v in levels.values()}
    for disc in discs:
        adam = plan[disc][1]['optimizer']
        assert (adam.type, adam.lr, adam.betas) == ('Adam', 1e-4, (0.9, 0.99))
        assert cfg.model.discriminators[disc].in_channels == expect['classes']
    poly = cfg.param_scheduler[0]
    assert (poly.type, poly.power, poly.end) == ('PolyLR', 0.9, 250000)
    assert cfg.train_cfg.max_iters == 150000
    assert cfg.randomness.seed == 1234
    assert cfg.data_preprocessor.mean == [
        104.00698793, 116.66876762, 122.67891434
    ]
    assert 'adaptsegnet_deeplabv2_r101_init' in cfg.load_from


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_one_training_iteration_on_native_data(name, demo_data, tmp_path,
                                               shrink_for_cpu):
    cfg = shrink_for_cpu(
        config(name), {
            'data/gta5': demo_data + '/gta5',
            'data/synthia': demo_data + '/synthia',
            'data/cityscapes': demo_data + '/cityscapes',
        },
        work_dir=str(tmp_path))
    runner = build_runner(cfg)
    runner.train()

    hub = runner.message_hub
    losses = {
        k: v.current()
        for k, v in hub.log_scalars.items()
        if k.startswith('train/') and 'loss' in k
    }
    assert 'train/decode.loss_ce' in losses
    for level in CONFIGS[name]['levels']:
        assert f'train/loss_adv_{level}' in losses
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    assert 'val/mIoU' in hub.log_scalars
    if 'synthia' in name:
        assert 'val/mIoU16' in hub.log_scalars
        assert 'val/mIoU13' in hub.log_scalars

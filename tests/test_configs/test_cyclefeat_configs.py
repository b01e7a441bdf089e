"""Toldo et al.'s configs: their numbers are the paper's / official code's,
and every stage config (both pre-training and adaptation stages, the Table 3
ablations) trains for real, one iteration and a validation, on tiny data
written in GTA5, SYNTHIA and Cityscapes' native formats."""
import os.path as osp

import pytest
import torch

from udaplug.apis import build_runner, load_config, trainable_networks
from udaplug.engine.optimizers import plan_optimizers

ADAPT = {
    'cyclefeat/cyclefeat_gta_adapt.py':
    dict(classes=19, lr=1e-5, sem=True, feat=True),
    'cyclefeat/cyclefeat_synthia_adapt.py':
    dict(classes=16, lr=5e-6, sem=True, feat=True),
    'cyclefeat_ablations/cyclefeat_gta_no_sem_no_feat.py':
    dict(classes=19, lr=1e-5, sem=False, feat=False),
    'cyclefeat_ablations/cyclefeat_gta_no_sem.py':
    dict(classes=19, lr=1e-5, sem=False, feat=True),
    'cyclefeat_ablations/cyclefeat_gta_no_feat.py':
    dict(classes=19, lr=1e-5, sem=True, feat=False),
}
PRETRAIN = {
    'cyclefeat/cyclefeat_gta_pretrain.py': 19,
    'cyclefeat/cyclefeat_synthia_pretrain.py': 16,
}
DATA_ROOTS = ('gta5', 'synthia', 'cityscapes')

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def config(name):
    return load_config(osp.join(REPO_ROOT, 'configs', name))


def types(pipeline):
    return [t['type'] for t in pipeline]


def test_segmentor_settings():
    cfg = config('cyclefeat/cyclefeat_gta_pretrain.py')
    seg = cfg.model.segmentor
    assert cfg.model.type == 'SourceOnly'
    assert seg.backbone.type == 'MobileNetV2'
    assert seg.backbone.strides == (1, 2, 2, 2, 1, 1, 1)  # output stride 16
    assert seg.backbone.init_cfg.checkpoint == \
        'checkpoints/mobilenet_v2_imagenet.pth'
    assert seg.decode_head.type == 'DepthwiseSeparableASPPHead'
    assert seg.decode_head.dilations == (1, 6, 12, 18)
    assert seg.backbone.norm_cfg.type == 'FrozenStatsBN'
    assert seg.decode_head.norm_cfg.type == 'FrozenStatsBN'
    # Sec. 4: 90k steps, batch 5; official train_S.py: Adam 1e-4, poly 0.9,
    # 800x800 crops of GTA5 at its own width
    assert cfg.train_cfg.max_iters == 90000
    assert cfg.train_dataloader.batch_size == 5
    assert cfg.train_dataloader.dataset.type == 'GTA5Dataset'
    pipeline = cfg.train_dataloader.dataset.pipeline
    assert 'Resize' not in types(pipeline)
    assert [t for t in pipeline
            if t['type'] == 'RandomCrop'][0]['crop_size'] == (800, 800)
    adam = cfg.optim_wrapper.segmentor.optimizer
    assert (adam.type, adam.lr, adam.betas) == ('Adam', 1e-4, (0.9, 0.999))
    assert 'weight_decay' not in adam
    poly = cfg.param_scheduler[0]
    assert (poly.type, poly.power, poly.begin, poly.end) == ('PolyLR', 0.9, 0,
                                                             90000)


@pytest.mark.parametrize('name', sorted(ADAPT))
def test_adaptation_settings(name):
    expect = ADAPT[name]
    cfg = config(name)
    m = cfg.model
    assert m.type == 'CycleFeat'
    assert m.segmentor.decode_head.num_classes == expect['classes']
    assert m.segmentor.init_cfg.prefix == 'segmentor.'
    assert m.segmentor.backbone.init_cfg is None
    assert m.cycle_loss_weight == 10.0  # official, per direction
    assert m.segmentor_frozen_iters == 20000
    assert not m.ce_to_generator
    assert m.image_buffer.buffer_size == 50
    assert (m.sem_loss is not None) == expect['sem']
    if expect['sem']:
        assert m.sem_loss.loss_weight == 0.1
    assert m.feat_loss_weight == (1e-4 if expect['feat'] else 0.0)
    discs = {'disc_img_s', 'disc_img_t'}
    if expect['feat']:
        discs |= {'disc_feat_s', 'disc_feat_t'}
    assert set(m.discriminators) == discs
    for name_, disc in m.discriminators.items():
        real = 'target' if name_.endswith('_t') else 'source'
        loss = disc.gan_loss
        assert loss.gan_type == 'lsgan'
        assert loss[f'{real}_label'] == 0.9
        strides = (1, ) * 4 if 'feat' in name_ else (2, ) * 4
        assert disc.strides == strides
        assert disc.in_channels == (320 if 'feat' in name_ else 3)
    for gen in m.generators.values():
        assert not gen.tanh and gen.num_blocks == 9
    plan = plan_optimizers(
        trainable_networks(m), {
            k: v
            for k, v in cfg.optim_wrapper.items() if k != 'constructor'
        })
    assert set(plan) == {'segmentor', 'generators'} | discs
    assert plan['generators'][0] == ['gen_st', 'gen_ts']
    seg = plan['segmentor'][1]['optimizer']
    assert (seg['type'], seg['lr'], seg['betas'][0],
            seg['weight_decay']) == ('Adam', expect['lr'], 0.9, 4e-5)
    for key in set(plan) - {'segmentor'}:
        adam = plan[key][1]['optimizer']
        assert (adam['type'], adam['lr'], adam['betas'][0]) == ('Adam', 2e-4,
                                                                0.5)
    poly = cfg.param_scheduler.segmentor[0]
    assert (poly.power, poly.begin, poly.end) == (0.9, 20000, 80000)
    assert cfg.train_cfg.max_iters == 80000
    assert cfg.train_dataloader.batch_size == 1
    width = 1280 if 'synthia' in name else 1536
    for domain in ('source', 'target'):
        pipeline = cfg.train_dataloader.dataset[domain].pipeline
        resize = [t for t in pipeline if t['type'] == 'Resize'][0]
        assert resize['scale'] == (width, width) and resize['keep_ratio']
        crop = [t for t in pipeline if t['type'] == 'RandomCrop'][0]
        assert crop['crop_size'] == (600, 600)
    assert types(cfg.val_dataloader.dataset.pipeline) == [
        'LoadImageFromFile', 'LoadAnnotations', 'PackSegInputs'
    ]


@pytest.fixture
def shrink(shrink_for_cpu, demo_data, tmp_path):
    """``shrink(cfg, frozen_iters=0)``: one iteration at 128x64 on the
    demo fixture, narrow generators and discriminators (the MobileNet-v2
    segmentor as configured), random initialisation instead of checkpoint
    files."""
    return lambda cfg, frozen_iters=0: _shrink(cfg, shrink_for_cpu, demo_data,
                                               tmp_path, frozen_iters)


def _shrink(cfg, shrink_for_cpu, demo_data, tmp_path, frozen_iters):
    cfg = shrink_for_cpu(
        cfg, {f'data/{name}': f'{demo_data}/{name}'
              for name in DATA_ROOTS},
        work_dir=str(tmp_path))
    m = cfg.model
    m.segmentor.backbone.init_cfg = None
    m.segmentor.init_cfg = None
    if m.type == 'CycleFeat':
        m.segmentor_frozen_iters = frozen_iters
        for gen in m.generators.values():
            gen.update(base_channels=8, num_blocks=1)
        for disc in m.discriminators.values():
            disc.channels = (8, 8, 8, 8)
        for hook in cfg.get('custom_hooks', []):
            hook['interval'] = 1
    return cfg


def train_and_losses(cfg):
    runner = build_runner(cfg)
    runner.train()
    hub = runner.message_hub
    losses = {
        k[len('train/'):]: v.current()
        for k, v in hub.log_scalars.items()
        if k.startswith('train/') and 'loss' in k
    }
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    return runner, losses


@pytest.mark.parametrize('name', sorted(PRETRAIN))
def test_pretrain_one_iteration_on_native_data(name, shrink):
    cfg = shrink(config(name))
    runner, losses = train_and_losses(cfg)
    assert 'decode.loss_ce' in losses
    hub = runner.message_hub
    assert 'val/mIoU' in hub.log_scalars
    if 'synthia' in name:
        assert 'val/mIoU16' in hub.log_scalars


@pytest.mark.parametrize('name', sorted(ADAPT))
def test_adaptation_one_iteration_on_native_data(name, shrink, tmp_path):
    expect = ADAPT[name]
    cfg = shrink(config(name))
    runner, losses = train_and_losses(cfg)
    discs = ['img'] + ['feat'] * expect['feat']
    expected = {'decode.loss_ce', 'loss_cycle_s', 'loss_cycle_t'}
    expected |= {f'loss_adv_{d}_{x}' for d in discs for x in 'st'}
    expected |= {
        f'disc_{d}_{x}.loss_{domain}'
        for d in discs
        for x in 'st'
        for domain in ('source', 'target')
    }
    if expect['sem']:
        expected |= {'loss_sem_s', 'loss_sem_t'}
    assert set(losses) == expected
    assert 'val/mIoU' in runner.message_hub.log_scalars
    assert osp.isfile(osp.join(str(tmp_path), 'vis', 'iter_00000001.png'))


def test_missing_imagenet_checkpoint_names_file_and_command(shrink, tmp_path):
    cfg = shrink(config('cyclefeat/cyclefeat_gta_pretrain.py'))
    init = config('cyclefeat/cyclefeat_gta_pretrain.py'
                  ).model.segmentor.backbone.init_cfg
    init.checkpoint = str(tmp_path / 'mobilenet_v2_imagenet.pth')
    cfg.model.segmentor.backbone.init_cfg = init
    with pytest.raises(FileNotFoundError) as err:
        build_runner(cfg).train()
    message = str(err.value)
    assert str(tmp_path / 'mobilenet_v2_imagenet.pth') in message
    assert 'mobilenet_v2-b0353104.pth' in message
    assert 'python tools/convert_models/mobilenet_v2.py' in message


@pytest.mark.parametrize('name,pipeline', [
    ('cyclefeat/cyclefeat_gta_adapt.py', 'cyclefeat_gta'),
    ('cyclefeat/cyclefeat_synthia_adapt.py', 'cyclefeat_synthia'),
])
def test_missing_pretrained_segmentor_names_file_and_stage(
        name, pipeline, tmp_path):
    """The adaptation stage alone, without the checkpoint of the source
    pre-training: the error names the file and the stage that writes it."""
    from udaplug.registry import MODELS
    cfg = config(name)
    missing = str(tmp_path / 'iter_90000.pth')
    cfg.model.segmentor.init_cfg.checkpoint = missing
    for gen in cfg.model.generators.values():
        gen.update(base_channels=4, num_blocks=1)
    for disc in cfg.model.discriminators.values():
        disc.channels = (4, 4, 4, 4)
    model = MODELS.build(cfg.model)
    with pytest.raises(FileNotFoundError) as err:
        model.init_weights()
    message = str(err.value)
    assert missing in message and '"segmentor"' in message
    assert f'python tools/train.py configs/{pipeline}.py' in message
    assert f'configs/cyclefeat/{pipeline}_pretrain.py' in message


def test_readme_configs_table_has_the_rows():
    """The README's configs table: a row per Toldo et al. setting with the
    paper's number and a link to the config, and a pointer to the doc."""
    with open(osp.join(REPO_ROOT, 'README.md')) as f:
        readme = f.read()
    rows = [
        line for line in readme.splitlines()
        if line.startswith('| Toldo et al.')
    ]
    expected = {
        'configs/cyclefeat_gta.py': '41.1',
        'configs/cyclefeat_synthia.py': '32.6',
        'configs/cyclefeat_ablations': '39.1 / 39.6 / 40.7',
        'configs/demo/cyclefeat_demo.py': None,
        'configs/demo/cyclefeat_source_only_demo.py': None,
    }
    for path, number in expected.items():
        assert osp.exists(osp.join(REPO_ROOT, path)), path
        row = [r for r in rows if f'({path})' in r]
        assert row, f'README: no configs-table row links {path}'
        if number is not None:
            assert row[0].split('|')[2].strip().startswith(number), row[0]
    assert '(docs/cyclefeat.md)' in readme

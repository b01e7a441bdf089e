"""Every DACS / DAFormer config: its paper / official-code settings, and one
real training iteration (then a validation) on tiny data written in the
GTA5, SYNTHIA and Cityscapes native formats; rare-class sampling without the
converter's statistics stops with the converter to run."""
import math
import os
import os.path as osp
import shutil

import pytest

from udaplug.apis import build_runner, load_config
from udaplug.datasets import ClassStatsNotFoundError

THINGS19 = [6, 7, 11, 12, 13, 14, 15, 16, 17, 18]
THINGS16 = [6, 7, 10, 11, 12, 13, 14, 15]
RCS = dict(temperature=0.01, min_pixels=3000, min_crop_ratio=0.5)
# config -> expected settings
MAIN = {
    'dacs_gta.py':
    dict(
        classes=19,
        alpha=0.99,
        fd=None,
        rcs=None,
        crop=(0, 0),
        pool='image',
        jitter=0.25),
    'dacs_synthia.py':
    dict(
        classes=16,
        alpha=0.99,
        fd=None,
        rcs=None,
        crop=(0, 0),
        pool='image',
        jitter=0.25),
    'daformer_gta.py':
    dict(
        classes=19,
        alpha=0.999,
        fd=THINGS19,
        rcs=RCS,
        crop=(15, 120),
        pool='batch',
        jitter=0.2),
    'daformer_synthia.py':
    dict(
        classes=16,
        alpha=0.999,
        fd=THINGS16,
        rcs=RCS,
        crop=(15, 120),
        pool='batch',
        jitter=0.2),
}
SEGFORMER = dict(classes=19, pool='batch', jitter=0.2)
ABLATIONS = {
    'segformer_gta_dacs.py':
    dict(SEGFORMER, alpha=0.99, fd=None, rcs=None, crop=(0, 0)),
    'segformer_gta_dacs_no_warmup.py':
    dict(SEGFORMER, alpha=0.99, fd=None, rcs=None, crop=(0, 0)),
    'segformer_gta_rcs_tinf.py':
    dict(
        SEGFORMER,
        alpha=0.99,
        fd=None,
        rcs=dict(RCS, temperature='inf'),
        crop=(0, 0)),
    'segformer_gta_rcs.py':
    dict(SEGFORMER, alpha=0.99, fd=None, rcs=RCS, crop=(0, 0)),
    'segformer_gta_fd.py':
    dict(SEGFORMER, alpha=0.99, fd='all', rcs=None, crop=(0, 0)),
    'segformer_gta_fdthings.py':
    dict(SEGFORMER, alpha=0.99, fd=THINGS19, rcs=None, crop=(0, 0)),
    'segformer_gta_fdthings_rcs.py':
    dict(SEGFORMER, alpha=0.99, fd=THINGS19, rcs=RCS, crop=(0, 0)),
    'segformer_gta_full.py':
    dict(SEGFORMER, alpha=0.999, fd=THINGS19, rcs=RCS, crop=(15, 120)),
    'dlv2_gta_full.py':
    dict(SEGFORMER, alpha=0.999, fd=THINGS19, rcs=RCS, crop=(15, 120)),
}
CONFIGS = {
    **MAIN,
    **{
        f'daformer_ablations/{k}': v
        for k, v in ABLATIONS.items()
    }
}

CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')


def config(name):
    return load_config(osp.join(CONFIG_DIR, name))


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_official_settings(name):
    expect = CONFIGS[name]
    cfg = config(name)
    model = cfg.model
    assert model.type == 'DACS' and model.predict_on == 'segmentor'
    assert model.networks.teacher == dict(
        role='ema', ema_of='segmentor', train_mode=True)
    assert model.pseudo_threshold == 0.968
    assert model.segmentor.decode_head.num_classes == expect['classes']
    hook, = [h for h in cfg.custom_hooks if h.type == 'MeanTeacherHook']
    assert (hook.decay, hook.warmup) == (expect['alpha'], True)
    assert (model.pseudo_weight_ignore_top,
            model.pseudo_weight_ignore_bottom) == expect['crop']
    assert model.mix.class_pool == expect['pool'] and model.mix.mix_ignore
    assert (model.color_jitter.strength, model.color_jitter.prob) == \
        (expect['jitter'], 0.8)
    assert (model.blur.prob, model.blur.sigma_range) == (0.5, (0.15, 1.15))
    fd = model.get('feature_distance')
    if expect['fd'] is None:
        assert fd is None and 'imnet_encoder' not in model.networks
    else:
        assert fd.loss_weight == 0.005 and fd.feature_index == -1
        assert fd.classes == (None if expect['fd'] == 'all' else expect['fd'])
        assert fd.num_classes == expect['classes']
        frozen = model.networks[model.feature_distance_network]
        assert frozen.role == 'frozen'
        # the frozen encoder is the student's encoder at its ImageNet init
        student = dict(model.segmentor.backbone)
        assert dict(frozen, role=None) == dict(student, role=None)
    sampler = cfg.train_dataloader.sampler
    if expect['rcs'] is None:
        assert sampler.type == 'InfiniteSampler'
    else:
        assert sampler.type == 'RareClassSampler'
        for k, v in expect['rcs'].items():
            assert sampler[k] == v, k
        assert sampler.crop_retries == 10
    opt = cfg.optim_wrapper.segmentor.optimizer
    if name.startswith('dacs'):
        assert (opt.type, opt.lr) == ('SGD', 2.5e-4)
        assert model.segmentor.backbone.type == 'DeepLabResNet'
        assert model.segmentor.decode_head.num_summed_branches == 2
        assert cfg.train_cfg.max_iters == 250000
        assert cfg.train_dataloader.batch_size == 2
    else:
        assert (opt.type, opt.lr) == ('AdamW', 6e-5)
        assert cfg.optim_wrapper.segmentor.paramwise_cfg.custom_keys.head \
            == dict(lr_mult=10.0)
        assert cfg.train_cfg.max_iters == 40000
        assert cfg.train_dataloader.batch_size == 2
        warmup = [s for s in cfg.param_scheduler if s.type == 'LinearLR']
        if 'no_warmup' in name:
            poly, = cfg.param_scheduler
            assert not warmup and poly.eta_min == 1e-4
        else:
            assert warmup[0].end == 1501 and warmup[0].start_factor == 1e-6
    head = model.segmentor.decode_head
    if 'dlv2' in name:
        assert head.type == 'DeepLabV2Head' and head.dilations == (6, 12)
        assert model.segmentor.backbone.type == 'ResNetV1c'
        assert model.segmentor.backbone.depth == 101
        return
    if 'segformer' in name:
        assert (head.type, head.embed_dims, head.fusion) == \
            ('DAFormerHead', 768, 'conv')
    elif name.startswith('daformer'):
        assert (head.type, head.embed_dims, head.fusion,
                head.fusion_dilations) == ('DAFormerHead', 256, 'aspp',
                                           (1, 6, 12, 18))
    if not name.startswith('dacs'):
        mit = model.segmentor.backbone
        assert (mit.type, mit.num_layers, mit.num_heads) == \
            ('MixVisionTransformer', [3, 6, 40, 3], [1, 2, 5, 8])


def _no_pretrained(node):
    """Random weights instead of the configs' ImageNet files."""
    if isinstance(node, dict):
        init = node.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            node['init_cfg'] = None
        for value in node.values():
            _no_pretrained(value)


def _shallow(node):
    """One block per encoder stage (MiT) or ResNet-18 instead of -101; the
    rest as configured. dacs_gta.py and daformer_gta.py train their full
    networks."""
    if isinstance(node, dict):
        if node.get('type') == 'MixVisionTransformer':
            node['num_layers'] = [1, 1, 1, 1]
        if node.get('type') in ('ResNetV1c', 'DeepLabResNet'):
            node['depth'] = 18
        if node.get('type') == 'DeepLabV2Head' and \
                node.get('in_channels') == 2048:
            node['in_channels'] = 512
        for value in node.values():
            _shallow(value)


FULL_NETWORKS = ('dacs_gta.py', 'daformer_gta.py')


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_one_training_iteration_on_native_data(name, demo_data, tmp_path,
                                               shrink_for_cpu):
    cfg = shrink_for_cpu(
        config(name), {
            'data/gta5': demo_data + '/gta5',
            'data/synthia': demo_data + '/synthia',
            'data/cityscapes': demo_data + '/cityscapes',
        },
        size=(64, 32),
        work_dir=str(tmp_path))
    _no_pretrained(cfg.model)
    if name not in FULL_NETWORKS:
        _shallow(cfg.model)
    if name not in MAIN:
        cfg.train_cfg.val_interval = 1000  # the main configs validate
    if cfg.train_dataloader.sampler.type == 'RareClassSampler':
        # the fixture holds 8 tiny images: any pixel makes a class image
        cfg.train_dataloader.sampler.min_pixels = 0
    runner = build_runner(cfg)
    runner.train()
    hub = runner.message_hub
    losses = {
        k: v.current()
        for k, v in hub.log_scalars.items()
        if k.startswith('train/') and 'loss' in k
    }
    assert 'train/decode.loss_ce' in losses
    assert 'train/mix.decode.loss_ce' in losses
    if CONFIGS[name]['fd'] is not None:
        assert 'train/src.loss_imnet_feat_dist' in losses
    assert all(math.isfinite(v) for v in losses.values())
    assert 0 <= hub.get_scalar('train/mix.pseudo_weight').current() <= 1
    model = runner.model
    assert int(model.ema_container('teacher').steps) == 2
    if name not in MAIN:
        return
    assert 'val/mIoU' in hub.log_scalars
    if 'synthia' in name:
        assert 'val/mIoU16' in hub.log_scalars
        assert 'val/mIoU13' in hub.log_scalars


def test_rcs_without_statistics_names_the_converter(demo_data, tmp_path,
                                                    shrink_for_cpu):
    root = str(tmp_path / 'demo')
    shutil.copytree(demo_data, root)
    os.remove(osp.join(root, 'gta5', 'gta5_class_stats.json'))
    cfg = shrink_for_cpu(
        config('daformer_gta.py'), {
            'data/gta5': root + '/gta5',
            'data/cityscapes': root + '/cityscapes',
        },
        size=(64, 32),
        work_dir=str(tmp_path / 'work'))
    _no_pretrained(cfg.model)
    _shallow(cfg.model)
    runner = build_runner(cfg)
    with pytest.raises(ClassStatsNotFoundError) as err:
        runner.train()
    assert 'gta5_class_stats.json' in str(err.value)
    assert f'python tools/convert_datasets/gta5.py {root}/gta5' in str(
        err.value) or 'python tools/make_demo_data.py' in str(err.value)
    assert not osp.exists(osp.join(tmp_path, 'work', 'iter_1.pth'))


def test_dacs_demo_is_the_source_only_network():
    dacs = config('demo/dacs_demo.py')
    for other in ('demo/source_only_demo.py', 'demo/adaptsegnet_demo.py'):
        ref = config(other)
        assert dacs.model.segmentor == ref.model.segmentor, other
        assert dacs.optim_wrapper.segmentor == ref.optim_wrapper.segmentor
        assert dacs.param_scheduler == ref.param_scheduler
        assert dacs.train_cfg.max_iters == ref.train_cfg.max_iters
        assert dacs.randomness == ref.randomness
    assert dacs.train_dataloader.batch_size == 4
    assert dacs.model.type == 'DACS'

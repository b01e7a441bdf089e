"""The Brehm et al. configs: every pipeline config (the paper's setting,
its +SSL / +I2I rows, the Table 3 ablations, the demo) is a valid pipeline
whose rows differ from the full method exactly where the paper says, and
every distinct train stage they run (the stage config with the pipeline's
settings) trains one iteration on the tiny demo pair. The hand-overs
between stages are tested end to end in
tests/test_pipelines/test_sci2i_pipeline.py."""
import glob
import json
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config

CONFIGS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')
ABLATIONS = 'sci2i_ablations'
FULL = ['warmup', 'pseudo_labels', 'translation', 'translate', 'final']
LAMBDA_CON = 10.0  # configs/_base_/models/sci2i_vgg16.py (not stated)

#: pipeline config -> (stage names, {stage: the settings its cfg_options
#: change, as (dotted key, value) checked on the stage's config})
PIPELINES = {
    'sci2i_gta.py': (FULL, {
        'translation': {},
        'final': {
            'model.consistency_weight': LAMBDA_CON
        }
    }),
    'sci2i_gta_i2i_only.py': (FULL, {
        'final': {
            'model.consistency_weight': 0.0
        }
    }),
    f'{ABLATIONS}/sci2i_gta_sgan.py': (FULL, {
        'translation': {
            'model.discriminators.disc.gan_loss.gan_type': 'vanilla'
        },
        'final': {
            'model.consistency_weight': 0.0
        }
    }),
    f'{ABLATIONS}/sci2i_gta_no_class_gan.py': (FULL, {
        'translation': {
            'model.discriminators.disc.gan_loss.class_weight': 0.0
        },
        'final': {
            'model.consistency_weight': 0.0
        }
    }),
    f'{ABLATIONS}/sci2i_gta_no_gen_seg.py': (FULL, {
        'translation': {
            'model.generator_seg_loss': False
        },
        'final': {
            'model.consistency_weight': 0.0
        }
    }),
    f'{ABLATIONS}/sci2i_gta_online_pseudo_labels.py':
    (['translation', 'translate', 'final'], {
        'translation': {
            'model.pseudo_labels': 'online',
            'model.online_ramp': (20000, 100000),
            'model.segmentor.init_cfg': None,
        },
        'final': {
            'model.consistency_weight': 0.0
        }
    }),
    # the demo: a source-only pre-training stage (in place of ImageNet
    # weights) first; checkpoints are handed over by references (D's VGG
    # trunk: the warm-up teacher's backbone)
    'demo/sci2i_demo.py': (['pretrain'] + FULL, {
        'translation': {
            'model.discriminators.disc.vgg_prefix': 'teacher.module.backbone.'
        }
    }),
    'demo/sci2i_source_only_demo.py': (['pretrain', 'source_only'], {}),
    'demo/sci2i_i2i_only_demo.py':
    (['pretrain'] + FULL[:-1] + ['final_i2i_only'], {
        'final_i2i_only': {
            'model.consistency_weight': 0.0
        }
    }),
}


def _get(cfg, dotted):
    for part in dotted.split('.'):
        cfg = cfg[part]
    return cfg


def _has_reference(value) -> bool:
    if isinstance(value, str):
        return value.startswith('@')
    if isinstance(value, dict):
        return any(_has_reference(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_reference(v) for v in value)
    return False


def stage_settings(pipeline: str, name: str):
    """(stage config path, its cfg_options without the references to other
    stages' outputs) of stage ``name`` of a pipeline config."""
    cfg = Config.fromfile(osp.join(CONFIGS, pipeline))
    stage = {s['name']: s for s in cfg.stages}[name]
    path = stage['config']
    if not osp.isabs(path):
        path = osp.join(osp.dirname(osp.join(CONFIGS, pipeline)), path)
    options = {
        k: v
        for k, v in (stage.get('cfg_options') or {}).items()
        if not _has_reference(v)
    }
    return path, options


@pytest.mark.parametrize('pipeline', list(PIPELINES))
def test_pipeline_configs(pipeline):
    from udaplug.pipelines.pipeline_runner import PipelineRunner
    cfg = Config.fromfile(osp.join(CONFIGS, pipeline))
    names, changes = PIPELINES[pipeline]
    assert [s['name'] for s in cfg.stages] == names
    # stage types, names and references are checked when it is built
    PipelineRunner(cfg)
    if 'pseudo_labels' in names:
        labels = cfg.stages[names.index('pseudo_labels')]
        assert labels['type'] == 'PseudoLabelStage'
        assert labels['threshold'] == 'none'
    for stage, expected in changes.items():
        path, options = stage_settings(pipeline, stage)
        stage_cfg = Config.fromfile(path)
        stage_cfg.merge_from_dict(options)
        for key, value in expected.items():
            got = _get(stage_cfg, key)
            got = tuple(got) if isinstance(got, list) else got
            assert got == value, (pipeline, stage, key)


def test_demo_and_control_start_from_the_same_pretraining():
    """The demo's M0 and M1 and the source-only control start from the
    pre-training stage's checkpoint (the same stage config), the
    discriminator's VGG trunk is read from the warm-up checkpoint (as the
    translation stage's frozen segmentor), and M1 and the control train as
    many segmentor steps with the same optimiser and schedule."""
    demo = Config.fromfile(osp.join(CONFIGS, 'demo', 'sci2i_demo.py'))
    control = Config.fromfile(
        osp.join(CONFIGS, 'demo', 'sci2i_source_only_demo.py'))
    stages = {s['name']: s for s in demo.stages}
    assert stages['pretrain'] == control.stages[0]
    for name in ('warmup', 'final'):
        assert stages[name]['cfg_options']['load_from'] == \
            '@pretrain.checkpoint'
    assert control.stages[1]['cfg_options'] == {
        'load_from': '@pretrain.checkpoint'
    }
    translation = stages['translation']['cfg_options']
    assert translation['model.discriminators.disc.vgg_checkpoint'] == \
        translation['model.segmentor.init_cfg']['checkpoint'] == \
        '@warmup.checkpoint'
    final, _ = stage_settings('demo/sci2i_demo.py', 'final')
    source_only, _ = stage_settings('demo/sci2i_source_only_demo.py',
                                    'source_only')
    pretrain, _ = stage_settings('demo/sci2i_demo.py', 'pretrain')
    final, source_only, pretrain = (
        Config.fromfile(p) for p in (final, source_only, pretrain))
    assert final.model.segmentor == source_only.model.segmentor == \
        pretrain.model.segmentor
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg', 'randomness'):
        assert final[key] == source_only[key], key
    assert source_only.train_cfg.max_iters == final.train_cfg.max_iters
    assert pretrain.model.type == source_only.model.type == 'SourceOnly'


def test_demo_perturbation_is_the_papers_at_the_demo_size():
    """The demo's P blurs and adds noise as the full configs' P does at 8x
    the demo's image size: blur sigma (pixels) and noise std (per pixel,
    averaged over 8x8 pixels) both scale by 1/8; colour jitter does not."""
    from udaplug.registry import MODELS
    from udaplug.utils import register_all_modules
    register_all_modules()

    def perturbation(path):
        cfg = Config.fromfile(osp.join(CONFIGS, path))
        return MODELS.build(cfg.model.perturbation)

    full = perturbation('sci2i_stages/sci2i_gta_warmup.py')
    demo = perturbation('demo/sci2i_warmup_demo.py')
    assert demo.noise_std * 8 == pytest.approx(full.noise_std)
    assert [s * 8 for s in demo.blur_sigma] == pytest.approx(full.blur_sigma)
    for key in ('brightness', 'contrast', 'saturation', 'hue'):
        assert getattr(demo, key) == getattr(full, key), key
    demo_cfg = Config.fromfile(
        osp.join(CONFIGS, 'demo', 'sci2i_warmup_demo.py'))
    full_cfg = Config.fromfile(
        osp.join(CONFIGS, 'sci2i_stages', 'sci2i_gta_warmup.py'))
    assert max(demo_cfg.test_scale) * 8 == full_cfg.long_side == 1024


def test_demo_translation_defaults_name_the_checkpoints_stages_write():
    """Run alone, the demo's translation config reads the checkpoint that
    the warm-up config writes (iter_<max_iters>.pth), for its frozen
    segmentor and for D's VGG trunk."""

    def demo(name):
        return Config.fromfile(osp.join(CONFIGS, 'demo', name))

    translation = demo('sci2i_translation_demo.py')
    iters = demo('sci2i_warmup_demo.py').train_cfg.max_iters
    assert translation.warmup_checkpoint.endswith(f'/iter_{iters}.pth')
    disc = translation.model.discriminators.disc
    assert translation.model.segmentor.init_cfg.checkpoint == \
        disc.vgg_checkpoint == translation.warmup_checkpoint
    assert disc.vgg_prefix == 'teacher.module.backbone.'
    assert translation.model.segmentor.init_cfg.prefix == 'teacher.module.'


def test_paper_settings():
    warmup = Config.fromfile(
        osp.join(CONFIGS, 'sci2i_stages', 'sci2i_gta_warmup.py'))
    m = warmup.model
    assert m.type == 'SCI2IMeanTeacher' and m.predict_on == 'teacher'
    assert m.consistency_start == 10000  # Sec. 4.2
    assert warmup.optim_wrapper.default.optimizer.lr == 1e-5
    assert warmup.optim_wrapper.default.clip_grad.max_norm == 5.0
    assert warmup.custom_hooks[0].decay == 0.999
    crop = [
        t for t in warmup.train_dataloader.dataset.source.pipeline
        if t['type'] == 'RandomCrop'
    ]
    assert crop[0]['crop_size'] == (384, 384)
    trans = Config.fromfile(
        osp.join(CONFIGS, 'sci2i_stages', 'sci2i_gta_translation.py'))
    t = trans.model
    assert t.type == 'SCI2ITranslator'
    assert t.pseudo_label_weight == 0.3
    assert t.discriminators.disc.gan_loss.class_weight == 0.3
    assert t.discriminators.disc.gan_loss.gan_type == 'lsgan'
    assert t.segmentor.role == 'frozen'
    assert trans.train_cfg.max_iters == 1000000
    assert trans.optim_wrapper.default.optimizer.lr == 1e-5
    ssl = Config.fromfile(osp.join(CONFIGS, 'sci2i_gta_ssl_only.py'))
    assert 'stages' not in ssl and ssl.model.type == 'SCI2IMeanTeacher'
    assert ssl.train_dataloader.dataset.type == 'UDADataset'
    final = Config.fromfile(
        osp.join(CONFIGS, 'sci2i_stages', 'sci2i_gta_final.py'))
    assert final.train_dataloader.dataset.type == \
        'TranslatedSourceUDADataset'


# Every distinct train stage: (stage config, pipeline whose cfg_options
# apply, stage name, overrides kind, networks that must have moved).
TRANSLATOR = ('gen', 'disc', 'gen_ema')
MEAN_TEACHER = ('segmentor', 'teacher')
STAGES = {
    'warmup': ('sci2i_gta.py', 'warmup', 'mean_teacher', MEAN_TEACHER),
    'translation': ('sci2i_gta.py', 'translation', 'translation', TRANSLATOR),
    'final': ('sci2i_gta.py', 'final', 'final', MEAN_TEACHER),
    'final_i2i_only':
    ('sci2i_gta_i2i_only.py', 'final', 'final', MEAN_TEACHER),
    'translation_sgan': (f'{ABLATIONS}/sci2i_gta_sgan.py', 'translation',
                         'translation', TRANSLATOR),
    'translation_no_class_gan': (f'{ABLATIONS}/sci2i_gta_no_class_gan.py',
                                 'translation', 'translation', TRANSLATOR),
    'translation_no_gen_seg': (f'{ABLATIONS}/sci2i_gta_no_gen_seg.py',
                               'translation', 'translation', TRANSLATOR),
    'translation_online': (f'{ABLATIONS}/sci2i_gta_online_pseudo_labels.py',
                           'translation', 'translation_online', TRANSLATOR),
    'ssl_only': ('sci2i_gta_ssl_only.py', None, 'mean_teacher', MEAN_TEACHER),
    'demo_warmup':
    ('demo/sci2i_demo.py', 'warmup', 'mean_teacher', MEAN_TEACHER),
    'demo_translation':
    ('demo/sci2i_demo.py', 'translation', 'translation', TRANSLATOR),
    'demo_final': ('demo/sci2i_demo.py', 'final', 'final', MEAN_TEACHER),
    'demo_pretrain':
    ('demo/sci2i_demo.py', 'pretrain', 'source_only', ('segmentor', )),
    'demo_source_only': ('demo/sci2i_source_only_demo.py', 'source_only',
                         'source_only', ('segmentor', )),
}
ONE_ITERATION = '''
train_cfg = dict(max_iters=1, val_interval=1000)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
'''
# The EMA networks and every panel of the visualisation in the iteration
# (the mean teachers' consistency loss from the first one).
HOOKS = '''
custom_hooks = [
    dict(type='MeanTeacherHook', decay=0.999, interval=1, buffers='copy'),
    dict(type='TranslationVisualizationHook', interval=1, out_dir='vis')]
'''


@pytest.mark.parametrize('name', list(STAGES))
def test_stage_one_iteration(name, tmp_path, demo_data, sci2i_stage_text,
                             sci2i_translated_copy, load_tool):
    pipeline, stage, kind, networks = STAGES[name]
    if stage is None:
        path, options = osp.join(CONFIGS, pipeline), {}
    else:
        path, options = stage_settings(pipeline, stage)
    translated = None
    if kind == 'final':
        translated = sci2i_translated_copy(demo_data,
                                           str(tmp_path / 'translated'))
    text = sci2i_stage_text(
        'translation' if kind == 'translation_online' else kind,
        demo_data,
        translated,
        target_labels=kind == 'translation',
        size=(64, 32))
    if kind != 'source_only':
        text += HOOKS
    if kind in ('mean_teacher', 'final'):
        text += 'model.update(consistency_start=0)\n'
    config = str(tmp_path / 'stage.py')
    with open(config, 'w') as f:
        f.write(f'_base_ = [{path!r}]\n{text}{ONE_ITERATION}')
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(options)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.dump(config)
    load_tool('train.py').main([config])
    state = torch.load(
        osp.join(cfg.work_dir, 'iter_1.pth'),
        map_location='cpu',
        weights_only=False)['state_dict']
    for key, value in options.items():  # the pipeline's settings applied
        assert _get(Config.fromfile(config), key) == value
    present = {k.split('.')[0] for k in state}
    assert set(networks) <= present, present
    scalars = {}
    for file in glob.glob(
            osp.join(cfg.work_dir, '*', 'vis_data', 'scalars.json')):
        with open(file) as f:
            for line in f:
                scalars.update(json.loads(line))
    losses = {k: v for k, v in scalars.items() if 'loss' in k}
    assert losses and all(math.isfinite(v) for v in losses.values())
    if kind in ('mean_teacher', 'final'):
        if options.get('model.consistency_weight', LAMBDA_CON) > 0:
            assert losses['loss_con'] > 0
        else:  # the +I2I row: no consistency loss
            assert 'loss_con' not in losses
    if kind != 'source_only':
        assert glob.glob(osp.join(cfg.work_dir, 'vis', '*.png'))


def test_benchmark_every_stage_model(capsys, load_tool):
    """tools/analysis/benchmark_train.py runs each phase's model of the
    pipeline config (``--stage``) with the domains its training set yields
    (pseudo-labelled target, translated source)."""
    benchmark = load_tool('analysis/benchmark_train.py')
    pipeline = osp.join(CONFIGS, 'demo', 'sci2i_demo.py')
    with pytest.raises(ValueError, match="'warmup', 'translation', 'final'"):
        benchmark.main([pipeline, '--stage', 'pseudo_labels'])
    # the demo's hand-overs (the warm-up checkpoint, for the segmentor and
    # D's VGG trunk) are left out
    translation = [
        'model.segmentor.init_cfg=None',
        'model.discriminators.disc.vgg_checkpoint=None',
        'model.discriminators.disc.vgg_prefix=None'
    ]
    for name, options in (('translation', translation), ('final', [])):
        benchmark.main([
            pipeline, '--stage', name, '--shape', '32', '64', '--iters', '1',
            '--warmup', '0'
        ] + (['--cfg-options', *options] if options else []))
        printed = capsys.readouterr().out
        assert f'stage "{name}" (' in printed, printed
        assert f'sci2i_{name}_demo.py' in printed, printed
        assert 'time per iteration' in printed, name

"""tools/train.py and tools/test.py on the demo configs: --amp, custom
modules through custom_imports, --show-dir/--out, clear data-root errors,
and the benchmark (the demo tool: test_demo.py)."""
import glob
import os.path as osp
import re

import numpy as np
import pytest
import torch
from PIL import Image

from udaplug.utils import DataRootNotFoundError

MY_DISCRIMINATOR = '''
from torch import nn
from udaplug.registry import MODELS


@MODELS.register_module()
class MyDiscriminator(nn.Module):
    """A user's own discriminator, in the user's own file."""

    def __init__(self, in_channels):
        super().__init__()
        self.in_channels = in_channels
        self.conv = nn.Conv2d(in_channels, 1, 4, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)
'''


@pytest.fixture
def demo_config(write_config, demo_overrides):

    def demo_config(tmp_path,
                    demo_data,
                    body='',
                    base='demo/adaptsegnet_demo.py'):
        paired = 'source_only' not in base
        return write_config(tmp_path / 'cfg.py', base,
                            demo_overrides(demo_data, paired=paired) + body)

    return demo_config


def scalars(work_dir):
    import json
    records = []
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            records += [json.loads(line) for line in f]
    return records


def test_amp_trains_every_network_with_finite_losses(tmp_path, demo_data,
                                                     load_tool, demo_config):
    train = load_tool('train.py')
    config = demo_config(
        tmp_path, demo_data, '''
train_cfg = dict(max_iters=2, val_interval=1000)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=1000))
''')
    runner_holder = {}
    train.build_runner = _capture(train.build_runner, runner_holder)
    train.main([config, '--work-dir', str(tmp_path / 'work'), '--amp'])
    runner = runner_holder['runner']
    for name, wrapper in runner.optim_wrapper.items():
        assert type(wrapper).__name__ == 'MixedPrecisionOptimWrapper', name
        assert wrapper.cast_dtype == torch.bfloat16
    records = [r for r in scalars(str(tmp_path / 'work')) if 'iter' in r]
    assert len(records) == 2
    for record in records:
        for key in ('decode.loss_ce', 'loss_adv_seg', 'disc_main.loss_source',
                    'disc_aux.loss_target'):
            assert torch.isfinite(torch.tensor(record[key])), key


def _capture(build_runner, holder):

    def wrapped(cfg):
        holder['runner'] = build_runner(cfg)
        return holder['runner']

    return wrapped


def test_user_module_from_custom_imports(tmp_path, demo_data, monkeypatch,
                                         load_tool, demo_config):
    (tmp_path / 'my_discriminator.py').write_text(MY_DISCRIMINATOR)
    monkeypatch.syspath_prepend(str(tmp_path))
    train = load_tool('train.py')
    config = demo_config(
        tmp_path, demo_data, '''
custom_imports = dict(imports=['my_discriminator'],
                      allow_failed_imports=False)
model = dict(discriminators=dict(
    disc_main=dict(_delete_=True, type='MyDiscriminator', in_channels=19),
    disc_aux=dict(_delete_=True, type='MyDiscriminator', in_channels=19)))
train_cfg = dict(max_iters=1, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
''')
    holder = {}
    train.build_runner = _capture(train.build_runner, holder)
    train.main([config, '--work-dir', str(tmp_path / 'work')])
    model = holder['runner'].model
    assert type(model.disc_main).__name__ == 'MyDiscriminator'
    assert type(model.disc_main).__module__ == 'my_discriminator'
    assert 'disc_main' in holder['runner'].optim_wrapper


def test_resume_continues_the_work_dir_not_load_from(tmp_path, demo_data,
                                                     load_tool, demo_config,
                                                     capsys):
    """``--resume`` continues from the work dir's last checkpoint also when
    the config sets ``load_from`` (as every pipeline stage config does);
    mmengine alone would resume from ``load_from``, another run's
    iteration and weights. With no checkpoint in the work dir, training
    starts at iteration 0 from ``load_from``'s weights."""
    body = '''
train_cfg = dict(max_iters={iters}, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1))
'''

    def train(iters, work, *extra):
        config = demo_config(
            tmp_path,
            demo_data,
            body.format(iters=iters),
            base='demo/source_only_demo.py')
        holder = {}
        tool = load_tool('train.py')
        tool.build_runner = _capture(tool.build_runner, holder)
        tool.main([config, '--work-dir', str(tmp_path / work), *extra])
        return holder['runner']

    def weights(path):
        return torch.load(path, map_location='cpu')['state_dict']

    def meta_iter(path):
        return torch.load(path, map_location='cpu')['meta']['iter']

    train(3, 'previous')
    previous = str(tmp_path / 'previous' / 'iter_3.pth')
    capsys.readouterr()
    # nothing to resume in the work dir: from load_from's weights, at 0
    runner = train(1, 'stage', '--resume', '--cfg-options',
                   f'load_from={previous}')
    assert 'training starts from load_from=' in capsys.readouterr().out
    assert runner.iter == 1
    assert meta_iter(str(tmp_path / 'stage' / 'iter_1.pth')) == 1

    # one step from load_from's weights: nearer to them than the previous
    # run's own first step from the initialisation is
    def distance(a, b):
        a, b = weights(a), weights(b)
        return sum((a[k].float() - b[k].float()).norm()**2 for k in a
                   if a[k].is_floating_point())**0.5

    ours = str(tmp_path / 'stage' / 'iter_1.pth')
    assert distance(ours, previous) < 0.7 * distance(
        str(tmp_path / 'previous' / 'iter_1.pth'), previous)
    # from the work dir's iteration 1, not load_from's iteration 3
    runner = train(2, 'stage', '--resume', '--cfg-options',
                   f'load_from={previous}')
    assert 'resuming from ' + str(tmp_path / 'stage' / 'iter_1.pth') in \
        capsys.readouterr().out
    assert runner.iter == 2
    assert meta_iter(str(tmp_path / 'stage' / 'iter_2.pth')) == 2


def test_missing_data_root_names_path_and_converter(tmp_path, load_tool):
    train = load_tool('train.py')
    missing = str(tmp_path / 'no_gta5_here')
    with pytest.raises(DataRootNotFoundError) as err:
        train.main([
            'configs/source_only_gta.py', '--work-dir',
            str(tmp_path / 'work'), '--cfg-options', 'load_from=None',
            f'train_dataloader.dataset.data_root={missing}'
        ])
    assert missing in str(err.value)
    assert 'tools/convert_datasets/gta5.py' in str(err.value)


def test_test_tool_writes_metrics_predictions_and_outputs(
        tmp_path, demo_data, load_tool, demo_config, miou_by_hand):
    train, test = load_tool('train.py'), load_tool('test.py')
    config = demo_config(
        tmp_path,
        demo_data,
        '''
train_cfg = dict(max_iters=1, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1))
''',
        base='demo/source_only_demo.py')
    work = str(tmp_path / 'work')
    train.main([config, '--work-dir', work])
    show, out = str(tmp_path / 'show'), str(tmp_path / 'out')
    metrics = test.main([
        config,
        osp.join(work, 'iter_1.pth'), '--work-dir', work, '--show-dir', show,
        '--out', out
    ])
    preds = sorted(glob.glob(osp.join(show, '*_pred.png')))
    labels = sorted(glob.glob(osp.join(show, '*_label.png')))
    assert len(preds) == len(labels) == 2  # the two demo val images
    outputs = sorted(glob.glob(osp.join(out, '**', '*.png'), recursive=True))
    assert len(outputs) == 2
    # the reported mIoU is that of the written predictions against the
    # dataset's label files, computed here independently
    label_dir = osp.join(demo_data, 'cityscapes', 'gtFine', 'val')
    pairs = []
    for path in outputs:
        stem = osp.basename(path)[:-len('_leftImg8bit.png')]
        label = glob.glob(
            osp.join(label_dir, '*', stem + '_gtFine_labelTrainIds.png'))
        assert len(label) == 1, (path, label)
        pairs.append(
            (np.asarray(Image.open(path)), np.asarray(Image.open(label[0]))))
    miou, ious = miou_by_hand(pairs, 19)
    assert metrics['mIoU'] == pytest.approx(miou, abs=0.006)
    assert metrics['IoU.road'] == pytest.approx(ious[0], abs=0.006)
    with pytest.raises(FileNotFoundError, match='no_such.pth'):
        test.main([config, str(tmp_path / 'no_such.pth')])


def test_benchmark_prints_time_and_memory(capsys, load_tool):
    benchmark = load_tool('analysis/benchmark_train.py')
    benchmark.main([
        'configs/demo/adaptsegnet_demo.py', '--shape', '64', '128', '--iters',
        '1', '--warmup', '1'
    ])
    printed = capsys.readouterr().out
    seconds = re.search(r'time per iteration: ([0-9.]+) s', printed)
    memory = re.search(r'peak resident memory.*: ([0-9]+) MiB', printed)
    assert seconds and memory, printed
    assert float(seconds.group(1)) > 0
    # at least the model's weights and torch itself are resident
    assert int(memory.group(1)) > 100


def test_benchmark_measures_frozen_segmentor_statistics(load_tool):
    """A frozen random-weight DeepLab-v2 ResNet-101 (the translation stage's
    M) in eval mode with BatchNorm's initial statistics gives logits near
    1e6, beyond float16's range; the benchmark measures the statistics on
    its random images first, so the logits keep a trained network's scale
    and M stays frozen (eval mode, no gradient)."""
    bench = load_tool('analysis/benchmark_train.py')
    run = bench.prepare(
        bench.parse_args([
            'configs/sai2i_gta_deeplabv2.py', '--stage', 'translation_1',
            '--shape', '64', '128'
        ]))
    model = run.model
    inputs = model.data_preprocessor(run.batch(), True)['source']['inputs']
    logits, _ = model.semantic_map(inputs)
    assert torch.isfinite(logits).all()
    assert logits.abs().max() < 1e3
    segmentor = model.network('segmentor', wrapped=False)
    assert not any(m.training for m in segmentor.modules())
    assert not any(p.requires_grad for p in segmentor.parameters())


def test_runners_of_one_config_built_in_one_second_keep_their_logs_apart(
        tmp_path, demo_data, demo_config, monkeypatch):
    """mmengine names a runner's logger and visualizer after its config and
    the time to the second and hands out an existing one of that name: two
    runners of one config built within a second (a script, a test session)
    shared the first one's, and the second run's scalars went to the first
    run's work dir. udaplug's build_runner names each runner of a process
    apart."""
    import time

    from udaplug.apis import build_runner, load_config
    config = demo_config(tmp_path, demo_data)
    now = time.time()
    monkeypatch.setattr(time, 'time', lambda: now)  # the same second
    runners = []
    for name in ('a', 'b'):
        cfg = load_config(config)
        cfg.work_dir = str(tmp_path / name)
        runners.append(build_runner(cfg))
    first, second = runners
    assert first.experiment_name != second.experiment_name
    assert first.visualizer is not second.visualizer
    for runner, name in zip(runners, 'ab'):
        save_dir = runner.visualizer.get_backend('LocalVisBackend')._save_dir
        assert save_dir.startswith(str(tmp_path / name)), save_dir

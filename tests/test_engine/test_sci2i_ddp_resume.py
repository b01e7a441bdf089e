"""Brehm et al.'s two stage models under the runner: 2-process CPU DDP
(tools/dist_train.sh) leaves every trainable network and EMA copy identical
on both ranks, and resuming is bitwise equal to an uninterrupted run (the
per-iteration noise and perturbation generators included)."""
import os
import os.path as osp
import shutil
import subprocess

import pytest
import torch

MAX_ITERS = 4

# Tiny networks for the demo stage configs (the demo's layout, narrower).
SHRINK = '''
_seg = dict(
    backbone=dict(base_channels=4, fc_channels=8),
    decode_head=dict(in_channels=8))
_gen = dict(channels=(4, 8, 8, 8), style_channels=8, mapping_layers=1)
_disc = dict(vgg_base_channels=4, decoder_channels=(4, 4))
'''
TRANSLATION = SHRINK + '''
model = dict(
    segmentor=dict(_seg, init_cfg=None),
    generators=dict(gen=_gen),
    discriminators=dict(disc=_disc))
# the target's own labels stand in for the pseudo-labels
train_dataloader['dataset']['allow_target_labels'] = True
train_dataloader['dataset']['target'].update(
    data_prefix=dict(img_path='leftImg8bit/train',
                     seg_map_path='gtFine/train'),
    pipeline=[dict(type='LoadImageFromFile'),
              dict(type='LoadAnnotations'),
              dict(type='Resize', scale=_size, keep_ratio=False),
              dict(type='RandomFlip', prob=0.5),
              dict(type='PackSegInputs')])
# the I2I phase has no validation
val_dataloader = None
'''
FINAL = SHRINK + '''
model = dict(segmentor=_seg, consistency_start=1)
train_dataloader['dataset']['translated'] = dict(
    type='GTA5Dataset', data_root=translated_root, pipeline=_source_pipeline)
'''
SCHEDULE = f'''
train_cfg = dict(max_iters={MAX_ITERS}, val_interval=1000)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, max_keep_ckpts=-1))
'''


def write_translated(demo_data, out):
    """A translated demo source set in tools/translate.py's layout (the
    source images themselves)."""
    src = osp.join(demo_data, 'gta5')
    for sub in ('images', 'labels'):
        os.makedirs(osp.join(out, sub), exist_ok=True)
    for name in os.listdir(osp.join(src, 'images')):
        shutil.copy(
            osp.join(src, 'images', name), osp.join(out, 'images', name))
        label = name[:-4] + '_labelTrainIds.png'
        shutil.copy(
            osp.join(src, 'labels', label), osp.join(out, 'labels', label))
    return out


@pytest.fixture
def stage_config(tmp_path, demo_data, write_config, demo_overrides):

    def stage_config(stage, name, extra=''):
        body = demo_overrides(demo_data) + SCHEDULE
        if stage == 'final':
            translated = write_translated(demo_data,
                                          str(tmp_path / 'translated'))
            body += f'translated_root = {translated!r}\n' + FINAL
        else:
            body += TRANSLATION
        return write_config(tmp_path / f'{name}.py',
                            f'demo/sci2i_{stage}_demo.py', body + extra)

    return stage_config


def check_same(a, b, keys=None):
    for key, value in a.items():
        if keys is None or key.split('.')[0] in keys:
            assert torch.equal(value, b[key]), key


@pytest.mark.parametrize('stage,networks', [
    ('translation', ('gen', 'disc', 'gen_ema')),
    ('final', ('segmentor', 'teacher')),
])
def test_resume_equals_uninterrupted_run(stage, networks, tmp_path, load_tool,
                                         stage_config):
    train = load_tool('train.py')
    config = stage_config(stage, f'{stage}_resume')
    straight = str(tmp_path / 'straight')
    resumed = str(tmp_path / 'resumed')
    train.main([config, '--work-dir', straight])
    train.main([
        config, '--work-dir', resumed, '--cfg-options', 'train_cfg.max_iters=2'
    ])
    train.main([config, '--work-dir', resumed, '--resume'])
    a, b, c = (torch.load(osp.join(d, f'iter_{i}.pth'))
               for d, i in ((straight, MAX_ITERS), (resumed, MAX_ITERS),
                            (resumed, 2)))
    assert a['meta']['iter'] == b['meta']['iter'] == MAX_ITERS
    check_same(a['state_dict'], b['state_dict'])
    for name in networks:  # every network moved after the interruption
        assert any(not torch.equal(v, c['state_dict'][k])
                   for k, v in b['state_dict'].items()
                   if k.startswith(name + '.') and v.is_floating_point()), \
            name


HOOK = '''
import os.path as osp
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from udaplug.registry import HOOKS


@HOOKS.register_module()
class SaveRankWeightsHook(Hook):

    def before_train(self, runner):
        self._save(runner, 'init')

    def after_train(self, runner):
        self._save(runner, 'final')

    def _save(self, runner, when):
        model = runner.model.module if is_model_wrapper(runner.model) \\
            else runner.model
        state = {k: v.clone() for k, v in model.state_dict().items()}
        torch.save(state, osp.join(runner.work_dir,
                                   f'rank{get_rank()}_{when}.pth'))
'''


@pytest.mark.parametrize('stage,networks', [
    ('translation', ('gen', 'disc', 'gen_ema')),
    ('final', ('segmentor', 'teacher')),
])
def test_two_cpu_processes_stay_identical(stage, networks, tmp_path, repo_root,
                                          stage_config, subprocess_env):
    (tmp_path / 'rank_weights_hook.py').write_text(HOOK)
    config = stage_config(
        stage, f'{stage}_ddp', '''
custom_imports = dict(imports=['rank_weights_hook'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='SaveRankWeightsHook'),
                dict(type='MeanTeacherHook', decay=0.5)]
''')
    work_dir = str(tmp_path / 'work')
    env = dict(subprocess_env(tmp_path), PORT=str(29500 + os.getpid() % 1000))
    result = subprocess.run([
        'bash',
        osp.join(repo_root, 'tools', 'dist_train.sh'), config, '2',
        '--work-dir', work_dir
    ],
                            cwd=repo_root,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=400)
    assert result.returncode == 0, \
        result.stdout[-3000:] + result.stderr[-3000:]
    rank0, rank1, init = (
        torch.load(osp.join(work_dir, f'{name}.pth'))
        for name in ('rank0_final', 'rank1_final', 'rank0_init'))
    check_same(rank0, rank1, networks)
    for name in networks:
        assert any(not torch.equal(v, init[k]) for k, v in rank0.items()
                   if k.startswith(name + '.') and v.is_floating_point()), \
            name

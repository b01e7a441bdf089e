"""Brehm et al.'s two stage models under the runner: 2-process CPU DDP
(tools/dist_train.sh) leaves every trainable network and EMA copy identical
on both ranks, and resuming is bitwise equal to an uninterrupted run (the
per-iteration noise and perturbation generators included)."""
import os
import os.path as osp
import subprocess

import pytest
import torch

MAX_ITERS = 4

SCHEDULE = f'''
train_cfg = dict(max_iters={MAX_ITERS}, val_interval=1000)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, max_keep_ckpts=-1))
'''


@pytest.fixture
def stage_config(tmp_path, demo_data, write_config, sci2i_stage_text,
                 sci2i_translated_copy):

    def stage_config(stage, name, extra=''):
        translated = None
        if stage == 'final':
            translated = sci2i_translated_copy(demo_data,
                                               str(tmp_path / 'translated'))
        body = sci2i_stage_text(stage, demo_data, translated) + SCHEDULE
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

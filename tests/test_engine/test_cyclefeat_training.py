"""Toldo et al.'s adaptation stage under the runner: resuming continues
exactly like an uninterrupted run (weights, optimizers, the image histories
and the model's random stream: dropout and history choices), and two gloo
processes (tools/dist_train.sh) keep all seven networks identical, across
the end of the frozen-segmentor phase."""
import json
import os
import os.path as osp
import subprocess

import pytest
import torch

MAX_ITERS = 4
NETWORKS = ('segmentor', 'gen_st', 'gen_ts', 'disc_img_s', 'disc_img_t',
            'disc_feat_s', 'disc_feat_t')
# a small adaptation stage on the demo fixture: frozen segmentor in the
# first iteration, narrow generators and discriminators, 2-image histories
# (full after two iterations: the later ones draw from them), dropout on
SMALL = '''
max_iters = {max_iters}
_gen = dict(base_channels=8, num_blocks=1)
_disc = dict(channels=(8, 8, 8, 8))
model = dict(
    segmentor=dict(init_cfg=None,
                   decode_head=dict(dropout_ratio=0.5)),
    generators=dict(gen_st=_gen, gen_ts=_gen),
    discriminators=dict(disc_img_t=_disc, disc_img_s=_disc,
                        disc_feat_t=_disc, disc_feat_s=_disc),
    segmentor_frozen_iters=1,
    image_buffer=dict(buffer_size=2))
param_scheduler = dict(default=[], segmentor=[
    dict(type='PolyLR', power=0.9, eta_min=0.0, begin=1, end=max_iters,
         by_epoch=False)])
train_cfg = dict(max_iters=max_iters, val_interval=1000)
custom_hooks = []
'''


@pytest.fixture
def small_config(write_config, demo_overrides, demo_data):

    def small_config(tmp_path, name, body=''):
        return write_config(
            tmp_path / f'{name}.py', 'demo/cyclefeat/cyclefeat_demo_adapt.py',
            demo_overrides(demo_data) + SMALL.format(max_iters=MAX_ITERS) +
            body)

    return small_config


def same(a, b) -> bool:
    """Equality of state-dict values (tensors, or the extra states: dicts
    and lists of tensors and numbers)."""
    if torch.is_tensor(a):
        return torch.is_tensor(b) and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(
            same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def losses(work_dir):
    import glob
    logs = {}
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'iter' in record and 'loss_cycle_s' in record:
                    logs[record['iter']] = {
                        k: v
                        for k, v in record.items() if 'loss' in k
                    }
    return logs


def test_resume_equals_uninterrupted_run(tmp_path, load_tool, small_config):
    train = load_tool('train.py')
    config = small_config(
        tmp_path, 'resume', '''
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, max_keep_ckpts=-1))
''')
    straight = str(tmp_path / 'straight')
    resumed = str(tmp_path / 'resumed')
    train.main([config, '--work-dir', straight])
    train.main([
        config, '--work-dir', resumed, '--cfg-options', 'train_cfg.max_iters=2'
    ])
    train.main([config, '--work-dir', resumed, '--resume'])

    a = torch.load(osp.join(straight, f'iter_{MAX_ITERS}.pth'))
    b = torch.load(osp.join(resumed, f'iter_{MAX_ITERS}.pth'))
    assert a['meta']['iter'] == b['meta']['iter'] == MAX_ITERS
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        assert same(value, b['state_dict'][key]), key
    # the histories were full and drawn from; the stream was used
    from udaplug.models.utils.packed_state import unpack_state
    state = a['state_dict']
    assert len(unpack_state(state['buffer_t._extra_state'])['images']) == 2
    assert unpack_state(state['rng._extra_state'])['cpu'] is not None
    assert set(
        a['optimizer']) == {'segmentor', 'generators'} | set(NETWORKS[3:])
    for name, state in a['optimizer'].items():
        assert same(state['state'], b['optimizer'][name]['state']), name
    assert a['param_schedulers'] == b['param_schedulers']
    straight_losses, resumed_losses = losses(straight), losses(resumed)
    assert sorted(straight_losses) == list(range(1, MAX_ITERS + 1))
    for it in range(3, MAX_ITERS + 1):
        assert straight_losses[it] == resumed_losses[it], it
    # every network moved in the resumed part
    c = torch.load(osp.join(resumed, 'iter_2.pth'))
    for net in NETWORKS:
        assert any(not torch.equal(v, c['state_dict'][k])
                   for k, v in b['state_dict'].items()
                   if k.startswith(net + '.') and torch.is_tensor(v)), net


HOOK = '''
import os.path as osp
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from udaplug.registry import HOOKS


@HOOKS.register_module()
class SaveRankWeightsHook(Hook):
    """Saves every rank's model weights before and after training."""

    def before_train(self, runner):
        self._save(runner, 'init')

    def after_train(self, runner):
        self._save(runner, 'final')

    def _save(self, runner, when):
        model = runner.model.module if is_model_wrapper(runner.model) \\
            else runner.model
        wrapped = {name: type(child).__name__
                   for name, child in model.named_children()}
        state = {k: v.clone() for k, v in model.state_dict().items()
                 if torch.is_tensor(v)}
        torch.save(dict(state_dict=state, wrapped=wrapped),
                   osp.join(runner.work_dir, f'rank{get_rank()}_{when}.pth'))
'''


def test_two_cpu_processes_keep_the_seven_networks_identical(
        tmp_path, repo_root, small_config, subprocess_env):
    (tmp_path / 'rank_weights_hook.py').write_text(HOOK)
    config = small_config(
        tmp_path, 'ddp', '''
custom_imports = dict(imports=['rank_weights_hook'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='SaveRankWeightsHook')]
default_hooks = dict(checkpoint=dict(interval=1000))
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
                            timeout=600)
    assert result.returncode == 0, \
        result.stdout[-3000:] + result.stderr[-3000:]

    def load(name):
        return torch.load(osp.join(work_dir, name))

    rank0, rank1 = load('rank0_final.pth'), load('rank1_final.pth')
    init0 = load('rank0_init.pth')
    for name in NETWORKS:
        assert rank0['wrapped'][name] == 'MMDistributedDataParallel', name
    assert rank0['state_dict'].keys() == rank1['state_dict'].keys()
    moved = set()
    for key, value in rank0['state_dict'].items():
        if key.startswith(('buffer_s.', 'buffer_t.')):
            continue  # each rank keeps the history of its own images
        assert torch.equal(value, rank1['state_dict'][key]), key
        if not torch.equal(value, init0['state_dict'][key]):
            moved.add(key.split('.')[0])
    assert set(NETWORKS) <= moved

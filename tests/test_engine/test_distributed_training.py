"""tools/dist_train.sh trains an adversarial model in 2 processes (CPU,
gloo): every trainable network gets its own DistributedDataParallel, so
after a few iterations on different data all ranks hold identical weights;
the mean teacher (EMA role, not wrapped) is identical on every rank too,
BatchNorm statistics included."""
import os
import os.path as osp
import subprocess

import torch

HOOK = '''
import os.path as osp
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from udaplug.registry import HOOKS


@HOOKS.register_module()
class SaveRankWeightsHook(Hook):
    """Saves every rank's model weights after training."""

    def before_train(self, runner):
        self._save(runner, 'init')

    def after_train(self, runner):
        self._save(runner, 'final')

    def _save(self, runner, when):
        model = runner.model.module if is_model_wrapper(runner.model) \\
            else runner.model
        wrapped = {name: type(child).__name__
                   for name, child in model.named_children()}
        state = {k: v.clone() for k, v in model.state_dict().items()}
        torch.save(dict(state_dict=state, wrapped=wrapped),
                   osp.join(runner.work_dir, f'rank{get_rank()}_{when}.pth'))
'''


def test_two_cpu_processes_hold_identical_weights(tmp_path, demo_data,
                                                  repo_root, demo_overrides,
                                                  write_config,
                                                  subprocess_env):
    (tmp_path / 'rank_weights_hook.py').write_text(HOOK)
    config = write_config(
        tmp_path / 'ddp.py', 'demo/adaptsegnet_demo.py',
        demo_overrides(demo_data) + '''
custom_imports = dict(imports=['rank_weights_hook'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='SaveRankWeightsHook'),
                dict(type='MeanTeacherHook', decay=0.5)]
model = dict(networks=dict(teacher=dict(role='ema', ema_of='segmentor')))
train_cfg = dict(max_iters=3, val_interval=1000)
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
                            timeout=300)
    assert result.returncode == 0, \
        result.stdout[-3000:] + result.stderr[-3000:]

    def load(name):
        return torch.load(osp.join(work_dir, name))

    rank0, rank1 = load('rank0_final.pth'), load('rank1_final.pth')
    init0 = load('rank0_init.pth')
    for name in ('segmentor', 'disc_main', 'disc_aux'):
        assert rank0['wrapped'][name] == 'MMDistributedDataParallel', name
    assert rank0['wrapped']['teacher'] == 'EMANetwork'
    assert rank0['state_dict'].keys() == rank1['state_dict'].keys()
    moved = []
    for key, value in rank0['state_dict'].items():
        bn_stats = ('running_mean', 'running_var', 'num_batches_tracked')
        if key.endswith(bn_stats) and not key.startswith('teacher.'):
            continue  # BN statistics are per rank (broadcast_buffers=False)
        assert torch.equal(value, rank1['state_dict'][key]), key
        if not torch.equal(value, init0['state_dict'][key]):
            moved.append(key.split('.')[0])
    # every network trained (the ranks saw different images)
    assert {'segmentor', 'disc_main', 'disc_aux', 'teacher'} <= set(moved)
    # the students' BN statistics differ per rank, the teachers' do not
    assert any(not torch.equal(v, rank1['state_dict'][k])
               for k, v in rank0['state_dict'].items()
               if k.startswith('segmentor.') and k.endswith('running_mean'))

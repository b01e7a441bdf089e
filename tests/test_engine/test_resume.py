"""Resuming from a checkpoint continues exactly like an uninterrupted run
(weights, every optimizer and scheduler, losses) on torch's default
``weights_only=True`` checkpoint loading."""
import json
import os.path as osp

import pytest
import torch

MAX_ITERS = 4


@pytest.fixture
def demo_config(write_config, demo_overrides):

    def demo_config(tmp_path, demo_data, name):
        return write_config(
            tmp_path / f'{name}.py', 'demo/adaptsegnet_demo.py',
            demo_overrides(demo_data) + f'''
max_iters = {MAX_ITERS}
# the schedule spans MAX_ITERS in every run, also the interrupted one
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0,
                        end=max_iters, by_epoch=False)]
train_cfg = dict(max_iters=max_iters, val_interval=1000)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, max_keep_ckpts=-1))
''')

    return demo_config


def losses(work_dir):
    """Per-iteration logged losses of a work dir (all runs in it)."""
    logs = {}
    for path in sorted(glob_scalars(work_dir)):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'iter' in record and 'decode.loss_ce' in record:
                    logs[record['iter']] = {
                        k: v
                        for k, v in record.items() if 'loss' in k
                    }
    return logs


def glob_scalars(work_dir):
    import glob
    return glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))


def test_resume_equals_uninterrupted_run(tmp_path, demo_data, load_tool,
                                         demo_config):
    train = load_tool('train.py')
    config = demo_config(tmp_path, demo_data, 'resume')
    straight = str(tmp_path / 'straight')
    resumed = str(tmp_path / 'resumed')

    train.main([config, '--work-dir', straight])
    train.main([
        config, '--work-dir', resumed, '--cfg-options', 'train_cfg.max_iters=2'
    ])
    assert not osp.exists(osp.join(resumed, f'iter_{MAX_ITERS}.pth'))
    train.main([config, '--work-dir', resumed, '--resume'])

    # udaplug's checkpoints load with torch's default weights_only loading
    # and no allow-list (PortableCheckpointHook)
    paths = [
        osp.join(straight, f'iter_{MAX_ITERS}.pth'),
        osp.join(resumed, f'iter_{MAX_ITERS}.pth'),
        osp.join(resumed, 'iter_2.pth')
    ]
    for path in paths:
        assert torch.serialization.get_unsafe_globals_in_checkpoint(
            path) == [], path
    a, b, c = (torch.load(path) for path in paths)
    assert a['meta']['iter'] == b['meta']['iter'] == MAX_ITERS
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    assert set(a['optimizer']) == {'segmentor', 'disc_main', 'disc_aux'}
    for name, state in a['optimizer'].items():
        other = b['optimizer'][name]
        for param_id, param_state in state['state'].items():
            for k, v in param_state.items():
                if torch.is_tensor(v):
                    assert torch.equal(v, other['state'][param_id][k]), name
    assert a['param_schedulers'] == b['param_schedulers']

    straight_losses, resumed_losses = losses(straight), losses(resumed)
    assert sorted(straight_losses) == list(range(1, MAX_ITERS + 1))
    for it in range(3, MAX_ITERS + 1):
        assert straight_losses[it] == resumed_losses[it], it
    # the weights moved during the resumed part
    assert any(not torch.equal(v, c['state_dict'][k])
               for k, v in b['state_dict'].items())

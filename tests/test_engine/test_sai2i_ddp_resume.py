"""Musto & Zinelli's two stage models under tools/dist_train.sh (2 CPU
processes, gloo): every trainable network (and the spectral-norm estimates
of the translation networks) stays identical across ranks, the frozen
segmentor is untouched; and resuming continues bitwise like an
uninterrupted run."""
import os.path as osp

import pytest
import torch

#: stage config -> (its networks, the trainable ones)
STAGES = {
    'translation': ('demo/sai2i_demo_translation.py',
                    {'enc_s', 'enc_t', 'gen_s', 'gen_t', 'disc_s', 'disc_t'}),
    'segmentation':
    ('demo/sai2i_demo_segmentation.py', {'segmentor', 'disc_out'}),
}


def stage_config(write_config,
                 demo_overrides,
                 demo_data,
                 path,
                 stage,
                 extra=''):
    base, _ = STAGES[stage]
    body = demo_overrides(demo_data) + '''
model = dict(segmentor=dict(init_cfg=None))
'''
    if stage == 'translation':  # no validation in this stage
        body += '''
val_dataloader = None
'''
    else:  # the target's labels stand in for pseudo-labels
        body += '''
train_dataloader['dataset']['allow_target_labels'] = True
train_dataloader['dataset']['target'].update(
    data_prefix=dict(seg_map_path='gtFine/train'),
    pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
              dict(type='Resize', scale=_size, keep_ratio=False),
              dict(type='PackSegInputs')])
'''
    return write_config(path, base, body + extra)


@pytest.mark.parametrize('stage', sorted(STAGES))
def test_two_processes_hold_identical_networks(stage, tmp_path, demo_data,
                                               demo_overrides, write_config,
                                               two_process_train):
    config = stage_config(
        write_config, demo_overrides, demo_data, tmp_path / 'ddp.py', stage,
        '''
train_cfg = dict(max_iters=3, val_interval=1000)
''')
    ranks = two_process_train(tmp_path, config)
    rank0, rank1 = ranks['rank0_final'], ranks['rank1_final']
    init0 = ranks['rank0_init']
    trainable = STAGES[stage][1]
    for name in trainable:
        assert rank0['wrapped'][name] == 'MMDistributedDataParallel', name
    moved = set()
    for key, value in rank0['state_dict'].items():
        if key.endswith(('running_mean', 'running_var',
                         'num_batches_tracked')) and \
                key.startswith('segmentor.') and stage == 'segmentation':
            continue  # BN statistics are per rank (broadcast_buffers=False)
        # everything else, spectral norm's u/v estimates included
        assert torch.equal(value, rank1['state_dict'][key]), key
        if not torch.equal(value, init0['state_dict'][key]):
            moved.add(key.split('.')[0])
    assert trainable <= moved  # every network trained
    if stage == 'translation':
        assert 'segmentor' not in moved  # M is frozen
        assert rank0['wrapped']['segmentor'] != 'MMDistributedDataParallel'


MAX_ITERS = 4


@pytest.mark.parametrize('stage', sorted(STAGES))
def test_resume_equals_uninterrupted_run(stage, tmp_path, demo_data, load_tool,
                                         demo_overrides, write_config):
    config = stage_config(
        write_config, demo_overrides, demo_data, tmp_path / 'cfg.py', stage,
        f'''
max_iters = {MAX_ITERS}
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0,
                        end=max_iters, by_epoch=False)]
train_cfg = dict(max_iters=max_iters, val_interval=1000)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, max_keep_ckpts=-1))
custom_hooks = []
''')
    train = load_tool('train.py')
    straight, resumed = str(tmp_path / 'straight'), str(tmp_path / 'resumed')
    train.main([config, '--work-dir', straight])
    train.main([
        config, '--work-dir', resumed, '--cfg-options', 'train_cfg.max_iters=2'
    ])
    train.main([config, '--work-dir', resumed, '--resume'])
    a = torch.load(osp.join(straight, f'iter_{MAX_ITERS}.pth'))
    b = torch.load(osp.join(resumed, f'iter_{MAX_ITERS}.pth'))
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    expected = {'generators', 'disc_s', 'disc_t'} \
        if stage == 'translation' else {'segmentor', 'disc_out'}
    assert set(a['optimizer']) == expected
    for name, state in a['optimizer'].items():
        for param_id, param_state in state['state'].items():
            for k, v in param_state.items():
                if torch.is_tensor(v):
                    assert torch.equal(
                        v, b['optimizer'][name]['state'][param_id][k]), name
    c = torch.load(osp.join(resumed, 'iter_2.pth'))
    assert any(not torch.equal(v, c['state_dict'][k])
               for k, v in b['state_dict'].items())

"""tools/dist_train.sh trains an adversarial model in 2 processes (CPU,
gloo): every trainable network gets its own DistributedDataParallel, so
after a few iterations on different data all ranks hold identical weights;
the mean teacher (EMA role, not wrapped) is identical on every rank too,
BatchNorm statistics included."""
import torch


def test_two_cpu_processes_hold_identical_weights(tmp_path, demo_data,
                                                  demo_overrides, write_config,
                                                  two_process_train):
    config = write_config(
        tmp_path / 'ddp.py', 'demo/adaptsegnet_demo.py',
        demo_overrides(demo_data) + '''
model = dict(networks=dict(teacher=dict(role='ema', ema_of='segmentor')))
train_cfg = dict(max_iters=3, val_interval=1000)
''')
    ranks = two_process_train(
        tmp_path,
        config,
        hooks=["dict(type='MeanTeacherHook', decay=0.5)"],
        timeout=300)
    rank0, rank1 = ranks['rank0_final'], ranks['rank1_final']
    init0 = ranks['rank0_init']
    for name in ('segmentor', 'disc_main', 'disc_aux'):
        assert rank0['wrapped'][name] == 'MMDistributedDataParallel', name
    assert rank0['wrapped']['teacher'] == 'EMANetwork'
    assert rank0['backend'] == 'gloo'
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

"""DACS through the runner on the demo config: two gloo processes keep the
student and its mean teacher identical across ranks, a resumed run equals
the uninterrupted one bit for bit, and --amp trains."""
import json
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
    """Saves every rank's model weights before and after training."""
    priority = 'LOWEST'

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

TEACHER_HOOK = ("dict(type='MeanTeacherHook', decay=0.99, warmup=True, "
                "interval=1, buffers='copy')")


def test_two_cpu_processes_keep_student_and_teacher_identical(
        tmp_path, demo_data, repo_root, demo_overrides, write_config,
        subprocess_env):
    (tmp_path / 'rank_weights_hook.py').write_text(HOOK)
    config = write_config(
        tmp_path / 'ddp.py', 'demo/dacs_demo.py',
        demo_overrides(demo_data, batch_size=2) + f'''
custom_imports = dict(imports=['rank_weights_hook'],
                      allow_failed_imports=False)
custom_hooks = [{TEACHER_HOOK}, dict(type='SaveRankWeightsHook')]
train_cfg = dict(max_iters=3, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
''')
    work_dir = str(tmp_path / 'work')
    env = dict(
        subprocess_env(tmp_path), PORT=str(29500 + (os.getpid() + 7) % 1000))
    result = subprocess.run([
        'bash',
        osp.join(repo_root, 'tools', 'dist_train.sh'), config, '2',
        '--work-dir', work_dir
    ],
                            cwd=repo_root,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=500)
    assert result.returncode == 0, \
        result.stdout[-3000:] + result.stderr[-3000:]

    def load(name):
        return torch.load(osp.join(work_dir, name))

    rank0, rank1 = load('rank0_final.pth'), load('rank1_final.pth')
    init0 = load('rank0_init.pth')
    assert rank0['wrapped']['segmentor'] == 'MMDistributedDataParallel'
    assert rank0['wrapped']['teacher'] == 'EMANetwork'
    moved = set()
    bn_stats = ('running_mean', 'running_var', 'num_batches_tracked')
    for key, value in rank0['state_dict'].items():
        if key.startswith('segmentor.') and key.endswith(bn_stats):
            continue  # the students' BN statistics are per rank
        assert torch.equal(value, rank1['state_dict'][key]), key
        if not torch.equal(value, init0['state_dict'][key]):
            moved.add(key.split('.')[0])
    assert {'segmentor', 'teacher'} <= moved
    assert int(rank0['state_dict']['teacher.steps']) == 4  # copy + 3
    # the ranks trained on different data (their students' BN statistics
    # differ) and the teacher is not the student
    assert any(not torch.equal(v, rank1['state_dict'][k])
               for k, v in rank0['state_dict'].items()
               if k.startswith('segmentor.') and k.endswith('running_mean'))
    student = {
        k.split('.', 2)[2]: v
        for k, v in rank0['state_dict'].items()
        if k.startswith('segmentor.module.')
    }
    teacher = {
        k[len('teacher.module.'):]: v
        for k, v in rank0['state_dict'].items()
        if k.startswith('teacher.module.')
    }
    assert student.keys() == teacher.keys()
    assert any(not torch.equal(v, teacher[k]) for k, v in student.items()
               if k.endswith('.weight'))


MAX_ITERS = 4


def resume_config(tmp_path, demo_data, write_config, demo_overrides):
    return write_config(
        tmp_path / 'resume.py', 'demo/dacs_demo.py',
        demo_overrides(demo_data, batch_size=2) + f'''
max_iters = {MAX_ITERS}
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0,
                        end=max_iters, by_epoch=False)]
train_cfg = dict(max_iters=max_iters, val_interval=1000)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, max_keep_ckpts=-1))
model = dict(color_jitter=dict(prob=1.0), blur=dict(prob=1.0))
''')


def logged(work_dir):
    import glob
    logs = {}
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'iter' in record and 'mix.decode.loss_ce' in record:
                    logs[record['iter']] = {
                        k: v
                        for k, v in record.items()
                        if 'loss' in k or 'pseudo' in k
                    }
    return logs


def test_resume_equals_uninterrupted_run(tmp_path, demo_data, load_tool,
                                         write_config, demo_overrides):
    train = load_tool('train.py')
    config = resume_config(tmp_path, demo_data, write_config, demo_overrides)
    straight, resumed = str(tmp_path / 'straight'), str(tmp_path / 'resumed')
    train.main([config, '--work-dir', straight])
    train.main([
        config, '--work-dir', resumed, '--cfg-options', 'train_cfg.max_iters=2'
    ])
    train.main([config, '--work-dir', resumed, '--resume'])
    a = torch.load(
        osp.join(straight, f'iter_{MAX_ITERS}.pth'), weights_only=False)
    b = torch.load(
        osp.join(resumed, f'iter_{MAX_ITERS}.pth'), weights_only=False)
    assert any(k.startswith('teacher.module.') for k in a['state_dict'])
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    for it in range(3, MAX_ITERS + 1):
        assert logged(straight)[it] == logged(resumed)[it], it
    # the resumed part trained
    c = torch.load(osp.join(resumed, 'iter_2.pth'), weights_only=False)
    assert any(not torch.equal(v, c['state_dict'][k])
               for k, v in b['state_dict'].items())


def test_amp_trains(tmp_path, demo_data, load_tool, write_config,
                    demo_overrides):
    train = load_tool('train.py')
    config = resume_config(tmp_path, demo_data, write_config, demo_overrides)
    work = str(tmp_path / 'amp')
    train.main([
        config, '--work-dir', work, '--amp', '--cfg-options',
        'train_cfg.max_iters=2'
    ])
    ckpt = torch.load(osp.join(work, 'iter_2.pth'), weights_only=False)
    # the mixed-precision wrapper (with its loss scaler state) trained
    assert 'loss_scaler' in ckpt['optimizer']['segmentor']
    logs = logged(work)
    assert set(logs) == {1, 2}
    for record in logs.values():
        assert all(torch.isfinite(torch.tensor(v)) for v in record.values())


def test_benchmark_runs_with_the_mean_teacher(capsys, load_tool):
    benchmark = load_tool('analysis/benchmark_train.py')
    benchmark.main([
        'configs/daformer_gta.py', '--shape', '64', '64', '--iters', '1',
        '--warmup', '1', '--cfg-options',
        'model.segmentor.backbone.num_layers=[1,1,1,1]',
        'model.networks.imnet_encoder.num_layers=[1,1,1,1]'
    ])
    printed = capsys.readouterr().out
    assert 'time per iteration:' in printed

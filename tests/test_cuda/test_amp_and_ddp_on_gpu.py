"""The CUDA paths a CPU run cannot take: fp16 autocast with one dynamic
loss scaler per optimizer (``tools/train.py --amp``) for every training
config, the task gradient handed to a generator across two real loss
scalers, and ``tools/dist_train.sh`` with the NCCL backend."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from torch import nn

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _train_stage_configs():
    """Every config a training run builds a model from: the demo configs
    and the papers' main configs, pipeline configs resolved to their train
    stages (each stage config once)."""
    from udaplug.pipelines import is_pipeline_config
    params, seen = [], set()
    paths = sorted(glob.glob(osp.join(REPO, 'configs', 'demo', '*.py'))) + \
        sorted(glob.glob(osp.join(REPO, 'configs', '*.py')))
    for path in paths:
        cfg = Config.fromfile(path)
        if not is_pipeline_config(cfg):
            stages = [(path, None, path)]
        else:
            found, todo = [], list(cfg.stages)
            while todo:
                node = todo.pop(0)
                if node.get('type') == 'TrainStage':
                    found.append(
                        (path, node['name'],
                         osp.normpath(
                             osp.join(osp.dirname(path), node['config']))))
                todo[:0] = node.get('stages', [])
            stages = found
        for pipeline, stage, file in stages:
            if file in seen:
                continue
            seen.add(file)
            rel = osp.relpath(pipeline, REPO)
            params.append(
                pytest.param(
                    rel, stage, id=f'{rel}:{stage}' if stage else rel))
    return params


@pytest.mark.parametrize('config,stage', _train_stage_configs())
def test_amp_trains_in_fp16_with_a_loss_scaler_per_optimizer(
        config, stage, load_tool):
    """Four fp16 training steps of the config's model (random weights, two
    random 64x128 images per domain; 128x256 for the papers' configs):
    every optimizer is a MixedPrecisionOptimWrapper with its own enabled
    CUDA loss scaler, convolutions run in float16, losses and weights stay
    finite, and the weights train."""
    bench = load_tool('analysis/benchmark_train.py')
    shape = ['64', '128'] if '/demo/' in config else ['128', '256']
    # two images per domain: BatchNorm after global pooling (ASPP's image
    # branch) needs more than one value per channel
    argv = [
        osp.join(REPO, config), '--amp', '--shape', *shape, '--batch-size', '2'
    ]
    if stage:
        argv += ['--stage', stage]
    run = bench.prepare(bench.parse_args(argv))
    model, wrappers = run.model, run.optim_wrapper
    assert run.device == 'cuda'
    scalers = set()
    for name, wrapper in wrappers.items():
        assert type(wrapper).__name__ == 'MixedPrecisionOptimWrapper', name
        # None: autocast's default, float16 on CUDA (checked below)
        assert wrapper.cast_dtype in (None, torch.float16), name
        assert wrapper.loss_scaler.is_enabled(), name
        scalers.add(id(wrapper.loss_scaler))
    assert len(scalers) == len(wrappers)  # one scaler per optimizer
    dtypes = set()
    hooks = [
        m.register_forward_hook(lambda m, i, o: dtypes.add(o.dtype))
        for m in model.modules() if isinstance(m, nn.Conv2d)
    ]
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    for it in range(4):
        log_vars = run.train_step(run.batch(), it)
        for key, value in log_vars.items():
            if 'loss' in key:
                assert torch.isfinite(torch.as_tensor(value)).all(), \
                    (key, it, value)
    for hook in hooks:
        hook.remove()
    assert torch.float16 in dtypes
    changed = [
        k for k, v in model.state_dict().items()
        if v.is_floating_point() and not torch.equal(v, before[k])
    ]
    assert changed, 'no weight changed in 4 steps'
    for key, value in model.state_dict().items():
        if value.is_floating_point():
            assert value.is_cuda, key
            assert torch.isfinite(value).all(), key


def test_task_gradient_crosses_two_real_loss_scalers():
    """``generator_task_loss`` under fp16 AMP with two CUDA GradScalers at
    different scales (task 2^12, generator 2^3): the generator's unscaled
    gradient equals the float32 gradient of the task loss through the
    generator (the reference, by autograd through both networks)."""
    from udaplug.engine.optimizers import MixedPrecisionOptimWrapper
    from udaplug.models.segmentors import BaseUDASegmentor as UDA
    torch.manual_seed(0)
    gen = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.Tanh(),
        nn.Conv2d(8, 3, 3, padding=1)).cuda()
    task = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 1)).cuda()
    x = torch.rand(2, 3, 16, 16, device='cuda')
    y = torch.randint(0, 4, (2, 16, 16), device='cuda')

    def task_loss(img):
        return nn.functional.cross_entropy(task(img), y)

    reference = torch.autograd.grad(task_loss(gen(x)), list(gen.parameters()))

    def wrapper(net, scale):
        return MixedPrecisionOptimWrapper(
            optimizer=torch.optim.SGD(net.parameters(), lr=0.0),
            loss_scale=dict(init_scale=scale, growth_interval=10**6))

    task_optim, gen_optim = wrapper(task, 2.0**12), wrapper(gen, 2.0**3)
    with gen_optim.optim_context(gen):
        translated = gen(x)
    task_input = UDA.task_input(translated)
    with task_optim.optim_context(task):
        loss = task_loss(task_input)
    task_optim.backward(loss)
    assert UDA.loss_scale(task_optim) == 2.0**12
    # generator_task_loss only reads the (static) loss_scale of its owner
    surrogate = UDA.generator_task_loss(UDA, translated, task_input,
                                        task_optim)
    gen_optim.backward(surrogate)
    gen_optim.loss_scaler.unscale_(gen_optim.optimizer)
    for got, want in zip([p.grad for p in gen.parameters()], reference):
        torch.testing.assert_close(got, want, rtol=2e-2, atol=2e-4)


DDP_BODY = '''
model = dict(networks=dict(teacher=dict(role='ema', ema_of='segmentor')))
train_cfg = dict(max_iters=3, val_interval=1000)
env_cfg = dict(dist_cfg=dict(backend='nccl'))
'''


@pytest.mark.parametrize('amp', [False, True])
def test_nccl_dist_train_on_one_gpu(amp, tmp_path, demo_data, demo_overrides,
                                    write_config, dist_train):
    """tools/dist_train.sh CONFIG 1 with the NCCL backend: every trainable
    network in its own MMDistributedDataParallel on CUDA, the EMA teacher
    unwrapped, every network trained (fp32 and --amp). One process: mmengine
    runs one process per GPU, and this machine may have one (ranks staying
    identical is tested with two CPU processes, tests/test_engine)."""
    config = write_config(tmp_path / 'ddp.py', 'demo/adaptsegnet_demo.py',
                          demo_overrides(demo_data) + DDP_BODY)
    ranks = dist_train(
        tmp_path,
        config,
        1,
        hooks=["dict(type='MeanTeacherHook', decay=0.5)"],
        args=['--amp'] if amp else [])
    final = ranks['rank0_final']
    assert final['backend'] == 'nccl'
    for name in ('segmentor', 'disc_main', 'disc_aux'):
        assert final['wrapped'][name] == 'MMDistributedDataParallel', name
    assert final['wrapped']['teacher'] == 'EMANetwork'
    moved = set()
    for key, value in final['state_dict'].items():
        assert value.is_cuda, key
        if not torch.equal(value, ranks['rank0_init']['state_dict'][key]):
            moved.add(key.split('.')[0])
    assert {'segmentor', 'disc_main', 'disc_aux', 'teacher'} <= moved

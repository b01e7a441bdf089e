"""MeanTeacherHook: the EMA update by hand (decay, DAFormer's warm-up,
buffers, interval), the copy at iteration 0, and an exact resume."""
import copy
import os.path as osp
from types import SimpleNamespace

import pytest
import torch

from udaplug.engine.hooks import MeanTeacherHook
from udaplug.registry import MODELS

C = 4


@pytest.fixture
def teacher_model(tiny_adaptsegnet_cfg):
    """A tiny AdaptSegNet with a mean teacher of its segmentor."""
    cfg = copy.deepcopy(tiny_adaptsegnet_cfg(C).model)
    cfg.networks = dict(teacher=dict(role='ema', ema_of='segmentor'))
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model.train()


def runner(model, it=0):
    return SimpleNamespace(model=model, iter=it)


def floats(module):
    return {
        k: v.detach().clone()
        for k, v in module.state_dict().items() if v.dtype.is_floating_point
    }


def perturb(module, seed):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for t in list(module.parameters()) + list(module.buffers()):
            if t.dtype.is_floating_point:
                t.add_(torch.randn(t.shape, generator=gen))


def test_copies_the_student_before_training_and_not_on_resume(teacher_model):
    model = teacher_model
    student, teacher = model.seg_model, model.network('teacher')
    assert floats(teacher).keys() == floats(student).keys()
    hook = MeanTeacherHook(decay=0.9)
    hook.before_train(runner(model))
    for k, v in floats(student).items():
        assert torch.equal(v, floats(teacher)[k]), k
    assert int(model.ema_container('teacher').steps) == 1
    # a resumed run (steps > 0) keeps its teacher
    perturb(student, 1)
    hook.before_train(runner(model, it=7))
    assert not torch.equal(
        next(student.parameters()), next(teacher.parameters()))


@pytest.mark.parametrize('buffers', ['copy', 'ema', 'keep'])
def test_update_equals_the_formula(buffers, teacher_model):
    model = teacher_model
    student, teacher = model.seg_model, model.network('teacher')
    hook = MeanTeacherHook(decay=0.9, buffers=buffers)
    hook.before_train(runner(model))
    old_t = floats(teacher)
    perturb(student, 2)
    new_s = floats(student)
    params = {k for k, _ in student.named_parameters()}
    hook.after_train_iter(runner(model, it=0), 0)
    got = floats(teacher)
    for k, v in got.items():
        if k in params or buffers == 'ema':
            expect = 0.9 * old_t[k] + 0.1 * new_s[k]
        elif buffers == 'copy':
            expect = new_s[k]
        else:
            expect = old_t[k]
        torch.testing.assert_close(v, expect, msg=k)
    assert any(k not in params for k in got)  # BN statistics checked


def test_daformer_warmup_and_interval(teacher_model):
    model = teacher_model
    student, teacher = model.seg_model, model.network('teacher')
    hook = MeanTeacherHook(decay=0.99, warmup=True, interval=2)
    hook.before_train(runner(model))  # copy: t = 1 update done
    name, param = next(iter(student.named_parameters()))
    t_param = dict(teacher.named_parameters())[name]
    expected = t_param.detach().clone()
    for it in range(4):
        perturb(student, 10 + it)
        before = t_param.detach().clone()
        hook.after_train_iter(runner(model, it=it), it)
        if (it + 1) % 2:
            assert torch.equal(t_param, before), it  # not on this iteration
            continue
        steps = 1 + (it + 1) // 2 - 1  # updates so far, the copy included
        alpha = min(1 - 1 / (steps + 1), 0.99)
        expected = alpha * before + (1 - alpha) * param.detach()
        torch.testing.assert_close(t_param.detach(), expected)
    assert int(model.ema_container('teacher').steps) == 3
    assert alpha == pytest.approx(2 / 3)  # the warm-up, not 0.99


def test_per_network_decay_and_errors(teacher_model, tiny_adaptsegnet_cfg):
    model = teacher_model
    with pytest.raises(KeyError, match='teacher'):
        MeanTeacherHook(decay=dict(other=0.9)).before_train(runner(model))
    with pytest.raises(ValueError, match=r"\['nope'\]"):
        MeanTeacherHook(networks=['nope']).before_train(runner(model))
    plain = MODELS.build(tiny_adaptsegnet_cfg(C).model)
    with pytest.raises(ValueError, match='no EMA network'):
        MeanTeacherHook().before_train(runner(plain))


def teacher_config(tmp_path, demo_data, write_config, demo_overrides):
    return write_config(
        tmp_path / 'teacher.py', 'demo/adaptsegnet_demo.py',
        demo_overrides(demo_data) + '''
model = dict(networks=dict(teacher=dict(role='ema', ema_of='segmentor')),
             predict_on='teacher')
custom_hooks = [dict(type='MeanTeacherHook', decay=0.9, warmup=True)]
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0,
                        end=4, by_epoch=False)]
train_cfg = dict(max_iters=4, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpts=-1))
''')


def test_resume_with_a_teacher_is_exact(tmp_path, demo_data, load_tool,
                                        write_config, demo_overrides):
    train = load_tool('train.py')
    config = teacher_config(tmp_path, demo_data, write_config, demo_overrides)
    straight, resumed = str(tmp_path / 'a'), str(tmp_path / 'b')
    train.main([config, '--work-dir', straight])
    train.main([
        config, '--work-dir', resumed, '--cfg-options', 'train_cfg.max_iters=2'
    ])
    train.main([config, '--work-dir', resumed, '--resume'])
    a = torch.load(osp.join(straight, 'iter_4.pth'))['state_dict']
    b = torch.load(osp.join(resumed, 'iter_4.pth'))['state_dict']
    mid = torch.load(osp.join(resumed, 'iter_2.pth'))['state_dict']
    teacher_keys = [k for k in a if k.startswith('teacher.')]
    assert 'teacher.steps' in teacher_keys
    assert int(a['teacher.steps']) == 5  # the copy and 4 updates
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert any(not torch.equal(a[k], mid[k]) for k in teacher_keys)

"""Brehm et al.'s mean-teacher segmentation model (phases a and c):
reference gradient of Eq. (10)-(12), the consistency ramp, translated
images, teacher predictions at test time, the errors."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub

from udaplug.models.utils import step_generator


@pytest.fixture
def cfg(tiny_sci2i_cfg):
    cfg = tiny_sci2i_cfg().mean_teacher
    cfg.consistency_start = 2
    cfg.consistency_weight = 3.0
    return cfg


def ready(model):
    model.ema_container('teacher').update_parameters(model.segmentor)
    return model


def set_iter(iteration):
    MessageHub.get_current_instance().update_info('iter', iteration)


def test_consistency_ramp_and_target_use(cfg, build_uda_model, sgd_optimizers,
                                         sci2i_batch):
    model = ready(build_uda_model(cfg))
    calls = []
    original = model.outputs_of

    def spy(name, *args, **kwargs):
        calls.append(name)
        return original(name, *args, **kwargs)

    model.outputs_of = spy
    optim = sgd_optimizers(model, lr=0.0)
    for iteration, expected in ((0, 0.0), (1, 0.0), (2, 3.0), (50, 3.0)):
        set_iter(iteration)
        calls.clear()
        log_vars = model.train_step(sci2i_batch(), optim)
        assert log_vars['lambda_con'].item() == expected
        # target images (and the teacher) are used only when lambda_con > 0
        assert ('loss_con' in log_vars) == (expected > 0)
        assert ('teacher' in calls) == (expected > 0)


def test_reference_gradient_of_eq_10_to_12(cfg, build_uda_model,
                                           sgd_optimizers, sci2i_batch):
    model = ready(build_uda_model(cfg))
    # a teacher that differs from the student
    with torch.no_grad():
        for p in model.network('teacher').parameters():
            p.mul_(0.9)
    data = sci2i_batch(translated=True)
    set_iter(5)
    ref = copy.deepcopy(model)
    d = ref.data_preprocessor(copy.deepcopy(data), True)
    student, teacher = ref.segmentor, ref.network('teacher')

    def ce(inputs, samples):
        labels = torch.stack([s.gt_sem_seg.data[0] for s in samples])
        logits = F.interpolate(
            student(inputs, mode='outputs')['seg'],
            size=labels.shape[-2:],
            mode='bilinear',
            align_corners=False)
        return F.cross_entropy(logits, labels, ignore_index=255)

    # P(x_t): the perturbation on RGB in [0, 1], back to the input space
    unit = ref.to_unit_rgb(d['target']['inputs'])
    perturbed = ref.perturbation(unit, step_generator(ref.seed, 5))
    perturbed = ref.from_tanh_range(perturbed.flip(1) * 2 - 1)
    with torch.no_grad():
        t_prob = F.softmax(
            teacher(d['target']['inputs'], mode='outputs')['seg'], 1)
    s_prob = F.softmax(student(perturbed, mode='outputs')['seg'], 1)
    con = (s_prob - t_prob).pow(2).sum(1).mean()
    loss = ce(d['source']['inputs'], d['source']['data_samples']) + ce(
        d['translated']['inputs'], d['translated']['data_samples']) + \
        3.0 * con
    names = [n for n, p in student.named_parameters() if p.requires_grad]
    grads = torch.autograd.grad(
        loss, [p for p in student.parameters() if p.requires_grad])
    before = {
        n: p.detach().clone()
        for n, p in model.segmentor.named_parameters()
    }
    teacher_before = copy.deepcopy(model.network('teacher').state_dict())
    log_vars = model.train_step(data, sgd_optimizers(model))
    assert {'src.decode.loss_ce', 'trans.decode.loss_ce',
            'loss_con'} <= set(log_vars)
    after = dict(model.segmentor.named_parameters())
    for name, grad in zip(names, grads):
        torch.testing.assert_close(
            before[name] - after[name], grad, rtol=1e-4, atol=1e-7, msg=name)
    # the teacher is not trained (only MeanTeacherHook moves it)
    for key, value in model.network('teacher').state_dict().items():
        assert torch.equal(value, teacher_before[key])


def test_warm_up_model_without_translated_images(cfg, build_uda_model,
                                                 sgd_optimizers, sci2i_batch):
    model = ready(build_uda_model(cfg))
    set_iter(0)
    log_vars = model.train_step(sci2i_batch(), sgd_optimizers(model, lr=0.0))
    assert 'src.decode.loss_ce' in log_vars
    assert not any(k.startswith('trans.') for k in log_vars)


def test_teacher_predicts_at_test_time(cfg, build_uda_model, sci2i_batch):
    model = ready(build_uda_model(cfg)).eval()
    assert model.predict_on == 'teacher'
    with torch.no_grad():
        for p in model.network('teacher').parameters():
            p.mul_(-1.0)
    data = model.data_preprocessor(sci2i_batch(), False)['target']
    inputs, samples = data['inputs'], data['data_samples']
    logits = model(inputs, samples, mode='tensor')
    torch.testing.assert_close(
        logits,
        model.network('teacher')._forward(inputs, samples))
    assert not torch.allclose(logits, model.segmentor._forward(
        inputs, samples))


def test_perturbation_is_seeded_per_iteration_and_process(
        cfg, build_uda_model):
    model = build_uda_model(cfg)
    x = torch.rand(2, 3, 16, 16)
    a = model.perturb(x, step_generator(model.seed, 7, rank=0))
    b = model.perturb(x, step_generator(model.seed, 7, rank=0))
    c = model.perturb(x, step_generator(model.seed, 8, rank=0))
    d = model.perturb(x, step_generator(model.seed, 7, rank=1))
    assert torch.equal(a, b)
    assert not torch.allclose(a, c) and not torch.allclose(a, d)
    # the seed defaults to the runner's (torch.initial_seed)
    torch.manual_seed(1234)
    assert build_uda_model(cfg, seed=1234).seed == 1234


def test_errors(cfg, build_uda_model, sgd_optimizers, sci2i_batch):
    bad = copy.deepcopy(cfg)
    bad.networks = dict(other=dict(role='ema', ema_of='segmentor'))
    with pytest.raises(ValueError, match='teacher=dict'):
        build_uda_model(bad)
    # the teacher must have been copied by MeanTeacherHook
    model = build_uda_model(cfg)
    set_iter(3)
    with pytest.raises(RuntimeError, match='MeanTeacherHook'):
        model.train_step(sci2i_batch(), sgd_optimizers(model))

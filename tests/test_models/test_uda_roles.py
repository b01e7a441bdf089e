"""Network roles of the UDA core: trainable, frozen and EMA networks, each
discriminator's own adversarial loss, predict_on, and the errors."""
import copy

import pytest
import torch

from udaplug.models.uda import EMANetwork
from udaplug.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

C = 4


@pytest.fixture
def model_cfg(tiny_uda_model):
    """``model_cfg(**changes)``: a tiny AdaptSegNet model config."""
    return tiny_uda_model.cfg


@pytest.fixture
def build(tiny_uda_model):
    """``build(**changes)``: the model of ``model_cfg``, initialised."""
    return tiny_uda_model


def optimizers(model, **entries):
    cfg = dict(
        default=dict(optimizer=dict(type='Adam', lr=1e-3)),
        segmentor=dict(optimizer=dict(type='SGD', lr=1e-2)),
        **entries)
    return OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='UDAOptimWrapperConstructor', optim_wrapper_cfg=cfg))(
            model)


def with_teacher_and_frozen_disc(model_cfg, build):
    cfg = model_cfg()
    disc = copy.deepcopy(cfg.discriminators.disc_main)
    return build(
        networks=dict(
            teacher=dict(role='ema', ema_of='segmentor'),
            frozen_disc=dict(disc, role='frozen')))


def test_roles_decide_grad_optimizer_and_train_mode(model_cfg, build):
    model = with_teacher_and_frozen_disc(model_cfg, build)
    assert model.role_of('segmentor') == 'trainable'
    assert model.role_of('teacher') == 'ema'
    assert model.role_of('frozen_disc') == 'frozen'
    assert model.trainable_names == ['segmentor', 'disc_main', 'disc_aux']
    assert isinstance(model.ema_container('teacher'), EMANetwork)
    assert model.ema_pairs() == [('teacher', 'segmentor')]
    # no gradients for frozen and EMA networks
    for name in ('teacher', 'frozen_disc'):
        assert not any(
            p.requires_grad for p in model.network(name).parameters()), name
    # eval() under model.train(), train() for trainable networks
    model.train()
    assert model.segmentor.training and model.disc_main.training
    assert not model.network('teacher').training
    assert not model.frozen_disc.training
    # one optimizer per trainable network only
    optim = optimizers(model)
    assert set(optim.keys()) == {'segmentor', 'disc_main', 'disc_aux'}
    with pytest.raises(ValueError, match='no optimizer'):
        model.optimizer_of(optim, 'teacher')
    # the teacher is in the state dict (checkpointed), with its counter
    keys = model.state_dict().keys()
    assert 'teacher.steps' in keys
    assert any(k.startswith('teacher.module.backbone.') for k in keys)


def test_train_mode_key_keeps_a_frozen_network_training(model_cfg, build):
    cfg = model_cfg()
    disc = dict(copy.deepcopy(cfg.discriminators.disc_main), role='frozen')
    model = build(networks=dict(d=dict(disc, train_mode=True)))
    model.train()
    assert model.d.training
    model.eval()
    assert not model.d.training


def test_each_discriminator_has_its_own_loss(model_cfg):
    cfg = model_cfg()
    cfg.discriminators.disc_aux['gan_loss'] = dict(
        type='DomainAdversarialLoss', gan_type='lsgan', target_label=0.9)
    torch.manual_seed(0)
    model = MODELS.build(cfg).train()
    assert model.adversarial_loss('disc_main').gan_type == 'vanilla'
    assert model.adversarial_loss('disc_aux').gan_type == 'lsgan'
    # the discriminator step uses it: LS-GAN on (0 source, 0.9 target)
    optim = optimizers(model)
    src = torch.softmax(torch.randn(1, C, 64, 64), 1)
    tgt = torch.softmax(torch.randn(1, C, 64, 64), 1)
    log = model.train_discriminator('disc_aux', optim['disc_aux'], src, tgt)
    with torch.no_grad():
        expect_src = 0.5 * (model.disc_aux(src)**2).mean()
        expect_tgt = 0.5 * ((model.disc_aux(tgt) - 0.9)**2).mean()
    torch.testing.assert_close(log['disc_aux.loss_source'], expect_src)
    torch.testing.assert_close(log['disc_aux.loss_target'], expect_tgt)


def test_predict_on_teacher_uses_the_teachers_weights(build):
    model = build(
        networks=dict(teacher=dict(role='ema', ema_of='segmentor')),
        predict_on='teacher')
    model.ema_container('teacher').update_parameters(model.seg_model)
    with torch.no_grad():
        for p in model.network('teacher').decode_head.parameters():
            p.add_(torch.randn_like(p))
    model.eval()
    x = torch.randn(1, 3, 32, 32)
    got = model(x, mode='tensor')
    torch.testing.assert_close(got, model.network('teacher')._forward(x))
    assert not torch.allclose(got, model.seg_model._forward(x))


def test_teacher_outputs_before_the_hook_copied_the_student_fail(build):
    model = build(networks=dict(teacher=dict(role='ema', ema_of='segmentor')))
    with pytest.raises(RuntimeError, match='MeanTeacherHook'):
        model.outputs_of('teacher', torch.randn(1, 3, 32, 32))


@pytest.mark.parametrize('networks, match', [
    (dict(t=dict(role='ema')), 'needs ema_of'),
    (dict(t=dict(role='ema', ema_of='nope')), 'EMA of "nope"'),
    (dict(t=dict(role='ema', ema_of='segmentor', type='X')),
     'copies the architecture'),
    (dict(t=dict(role='teacher', type='FCDiscriminator', in_channels=C)),
     'role must be one of'),
    (dict(t=dict(type='FCDiscriminator', in_channels=C, gan_loss=dict())),
     'only discriminators'),
    (dict(segmentor=dict(type='FCDiscriminator', in_channels=C)), 'is taken'),
])
def test_bad_network_declarations(networks, match, model_cfg):
    with pytest.raises(ValueError, match=match):
        MODELS.build(model_cfg(networks=networks))


def test_predict_on_must_name_a_segmentation_network(model_cfg):
    with pytest.raises(ValueError, match='predict_on=.disc_main.'):
        MODELS.build(model_cfg(predict_on='disc_main'))


def test_mmseg_init_model_arguments(model_cfg):
    MODELS.build(model_cfg(pretrained=None, train_cfg=None))
    with pytest.raises(ValueError, match='init_cfg'):
        MODELS.build(model_cfg(pretrained='x.pth'))


def test_missing_pretrained_file_is_named_with_its_network(
        tmp_path, model_cfg):
    cfg = model_cfg()
    missing = str(tmp_path / 'imagenet_r18.pth')
    cfg.segmentor.backbone['init_cfg'] = dict(
        type='Pretrained', checkpoint=missing)
    model = MODELS.build(cfg)
    with pytest.raises(FileNotFoundError) as err:
        model.init_weights()
    assert 'network "segmentor"' in str(err.value)
    assert missing in str(err.value)


def test_frozen_network_weights_from_a_whole_model_checkpoint(
        tmp_path, model_cfg, build):
    """A network trained in an earlier stage, loaded frozen with the
    init_cfg prefix of its name in that model's checkpoint."""
    source = build()
    path = str(tmp_path / 'stage1.pth')
    torch.save({'state_dict': source.state_dict()}, path)
    disc = copy.deepcopy(model_cfg().discriminators.disc_main)
    model = build(
        networks=dict(
            old_disc=dict(
                disc,
                role='frozen',
                init_cfg=dict(
                    type='Pretrained', checkpoint=path, prefix='disc_main.'))))
    for (name, p), q in zip(model.old_disc.named_parameters(),
                            source.disc_main.parameters()):
        assert torch.equal(p, q), name
        assert not p.requires_grad


def test_train_step_leaves_frozen_and_ema_networks_alone(
        model_cfg, build, uda_batch):
    model = with_teacher_and_frozen_disc(model_cfg, build)
    model.ema_container('teacher').update_parameters(model.seg_model)
    before = {
        k: v.clone()
        for k, v in model.state_dict().items()
        if k.startswith(('teacher.', 'frozen_disc.'))
    }
    model.train_step(uda_batch(C), optimizers(model))
    after = model.state_dict()
    for key, value in before.items():
        assert torch.equal(value, after[key]), key


def test_accumulation_is_rejected(build):
    model = build()
    with pytest.raises(ValueError, match='accumulative_counts=2'):
        optimizers(
            model,
            disc_aux=dict(
                optimizer=dict(type='Adam', lr=1e-4), accumulative_counts=2))


def test_checkpoint_without_the_ema_network_loads_a_copy_of_its_student(build):
    """A checkpoint of a model without the teacher (source-only,
    pre-training) loads the teacher as a copy of its segmentor, strictly,
    through torch's and mmengine's loaders (load_from, tools/test.py,
    init_model); a checkpoint with a teacher keeps it."""
    from mmengine.runner.checkpoint import load_state_dict
    source = build()
    gen = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for p in source.parameters():
            p.add_(0.1 * torch.randn(p.shape, generator=gen))
    source.eval()
    checkpoint = source.state_dict()
    assert not any(k.startswith('teacher.') for k in checkpoint)
    for load in (lambda m, sd: m.load_state_dict(sd, strict=True),
                 lambda m, sd: load_state_dict(m, sd, strict=True)):
        model = build(
            networks=dict(teacher=dict(role='ema', ema_of='segmentor')),
            predict_on='teacher')
        load(model, dict(checkpoint))
        teacher = model.network('teacher').state_dict()
        student = source.seg_model.state_dict()
        assert teacher.keys() == student.keys()
        for k, v in student.items():
            assert torch.equal(teacher[k], v), k
        # the update counter is the model's own: the hook still copies
        assert int(model.ema_container('teacher').steps) == 0
        model.eval()
        x = torch.randn(1, 3, 32, 32)
        with torch.no_grad():
            torch.testing.assert_close(
                model(x, mode='tensor'), source.seg_model._forward(x))
    # a checkpoint with its own teacher keeps it
    with torch.no_grad():
        for p in model.network('teacher').parameters():
            p.add_(1.0)
    own = model.state_dict()
    fresh = build(networks=dict(teacher=dict(role='ema', ema_of='segmentor')))
    fresh.load_state_dict(own, strict=True)
    for k, v in model.network('teacher').state_dict().items():
        assert torch.equal(fresh.network('teacher').state_dict()[k], v), k
    assert not all(
        torch.equal(a, b) for a, b in zip(
            fresh.network('teacher').parameters(),
            fresh.seg_model.parameters()))

"""Brehm et al.'s image-to-image translation model (phase b): reference
gradients of Eq. (7) and (9), the ablation switches, online pseudo-labels,
the frozen VGG, translation with the EMA generator, and the errors."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub

from udaplug.models.losses import SymmetricCrossEntropyLoss
from udaplug.models.utils import step_generator


@pytest.fixture
def cfg(tiny_sci2i_cfg):
    return tiny_sci2i_cfg().translator


def ready(model):
    """The EMA generator copied, as MeanTeacherHook does before training."""
    model.ema_container('gen_ema').update_parameters(model.network('gen'))
    return model


def set_iter(iteration):
    MessageHub.get_current_instance().update_info('iter', iteration)


def params(net):
    return {
        n: p.detach().clone()
        for n, p in net.named_parameters() if p.requires_grad
    }


def reference_grads(model,
                    data,
                    iteration,
                    lambda_pl=0.3,
                    lambda_cgan=0.3,
                    with_gen_seg=True):
    """Gradients of L_G (Eq. 9) w.r.t. G and of L_D (Eq. 7) w.r.t. D,
    written out from the paper's equations."""
    ref = copy.deepcopy(model)
    data = ref.data_preprocessor(copy.deepcopy(data), True)
    gen, disc = ref.network('gen'), ref.network('disc')
    x_s = ref.to_tanh_range(data['source']['inputs'])
    x_t = ref.to_tanh_range(data['target']['inputs'])
    y_s = torch.stack(
        [s.gt_sem_seg.data[0] for s in data['source']['data_samples']])
    y_t = torch.stack(
        [s.gt_sem_seg.data[0] for s in data['target']['data_samples']])
    noise = step_generator(ref.seed, iteration)
    c = ref.num_classes

    def gan(out, value, labels):
        d = out['gan']
        domain = ((d[:, 0] - value)**2).mean()
        cls = ((d[:, 1:] - value)**2 *
               F.one_hot(labels, c).permute(0, 3, 1, 2)).sum(1).mean() / c
        return domain + lambda_cgan * cls

    fake = gen(x_s, noise_generator=noise)
    identity = gen(x_t, noise_generator=noise)
    out = disc(fake)
    loss_g = gan(out, 1.0, y_s) + (identity - x_t).abs().sum(1).mean()
    if with_gen_seg:
        loss_g = loss_g + F.cross_entropy(out['seg'], y_s)
    g_params = [p for p in gen.parameters() if p.requires_grad]
    g_grads = torch.autograd.grad(loss_g, g_params)

    sce = SymmetricCrossEntropyLoss(alpha=0.1, beta=1.0)
    d_fake, d_real = disc(fake.detach()), disc(x_t)
    loss_d = gan(d_fake, 0.0, y_s) + F.cross_entropy(d_fake['seg'], y_s) + \
        gan(d_real, 1.0, y_t) + lambda_pl * sce(d_real['seg'], y_t)
    d_params = [p for p in disc.parameters() if p.requires_grad]
    d_grads = torch.autograd.grad(loss_d, d_params)
    return g_grads, d_grads


@pytest.mark.parametrize('with_gen_seg', [True, False])
def test_one_step_follows_eq_7_and_9(cfg, with_gen_seg, build_uda_model,
                                     sgd_optimizers, sci2i_batch):
    cfg.generator_seg_loss = with_gen_seg
    model = ready(build_uda_model(cfg))
    data = sci2i_batch(target_labels=True)
    set_iter(3)
    g_grads, d_grads = reference_grads(
        model, data, 3, with_gen_seg=with_gen_seg)
    gen_before = params(model.network('gen'))
    disc_before = params(model.network('disc'))
    seg_before = params(model.segmentor)
    log_vars = model.train_step(data, sgd_optimizers(model))
    assert ('gen.loss_seg' in log_vars) == with_gen_seg
    # SGD with lr 1: each parameter moved by minus its gradient
    for (name, before), grad in zip(gen_before.items(), g_grads):
        after = dict(model.network('gen').named_parameters())[name]
        torch.testing.assert_close(
            before - after, grad, rtol=1e-4, atol=1e-6, msg=name)
    for (name, before), grad in zip(disc_before.items(), d_grads):
        after = dict(model.network('disc').named_parameters())[name]
        torch.testing.assert_close(
            before - after, grad, rtol=1e-4, atol=1e-6, msg=name)
    assert not seg_before  # the segmentor is frozen: nothing to train


def test_gen_seg_loss_reaches_generator(cfg, build_uda_model, sci2i_batch):
    data = sci2i_batch(target_labels=True)
    grads = {}
    for flag in (True, False):
        cfg.generator_seg_loss = flag
        model = ready(build_uda_model(cfg))
        grads[flag] = reference_grads(model, data, 0, with_gen_seg=flag)[0][0]
    assert not torch.allclose(grads[True], grads[False])


def test_frozen_vgg_and_segmentor(cfg, build_uda_model, sgd_optimizers,
                                  sci2i_batch):
    model = ready(build_uda_model(cfg))
    disc = model.network('disc', wrapped=False)
    vgg = copy.deepcopy(disc.vgg.state_dict())
    seg = copy.deepcopy(model.segmentor.state_dict())
    model.train()
    assert not disc.vgg.training and not model.segmentor.training
    set_iter(0)
    model.train_step(sci2i_batch(target_labels=True), sgd_optimizers(model))
    for key, value in disc.vgg.state_dict().items():
        assert torch.equal(value, vgg[key])
    for key, value in model.segmentor.state_dict().items():
        assert torch.equal(value, seg[key])


def test_online_pseudo_labels_and_ramp(cfg, build_uda_model, sgd_optimizers,
                                       sci2i_batch):
    cfg.pseudo_labels = 'online'
    model = ready(build_uda_model(cfg))
    # tools/train.py asks the target for no labels
    assert model.required_target_keys == ()
    assert model.loss_weights(0) == (0.0, 0.0)
    assert model.loss_weights(20000) == (0.0, 0.0)
    lam_pl, lam_cgan = model.loss_weights(60000)
    assert lam_pl == pytest.approx(0.15) and lam_cgan == pytest.approx(0.15)
    assert model.loss_weights(100000) == pytest.approx((0.3, 0.3))
    # targets without labels are fine online; the labels are the AC head's
    # argmax on x_t
    set_iter(60000)
    data = sci2i_batch()
    seen = {}
    loss = model.adversarial_loss('disc')
    original = loss.forward

    def spy(disc_out, domain, is_disc, labels=None, class_weight=None):
        if domain == 'target' and is_disc:
            seen['labels'] = labels
            seen['seg'] = disc_out['seg'].detach()
        return original(disc_out, domain, is_disc, labels, class_weight)

    loss.forward = spy
    log_vars = model.train_step(data, sgd_optimizers(model, lr=0.0))
    assert torch.equal(seen['labels'], seen['seg'].argmax(1))
    assert log_vars['lambda_pl'].item() == pytest.approx(0.15)
    assert 'disc.loss_seg_real' in log_vars


def test_precomputed_pseudo_labels_required(cfg, build_uda_model,
                                            sgd_optimizers, sci2i_batch):
    model = ready(build_uda_model(cfg))
    # tools/train.py checks before training that the target loads them
    assert model.required_target_keys == ('gt_sem_seg', )
    set_iter(0)
    with pytest.raises(KeyError, match='tgt0.png.*pseudo-labels'):
        model.train_step(sci2i_batch(), sgd_optimizers(model))


def test_translate_source_uses_the_ema_generator(cfg, build_uda_model,
                                                 sci2i_batch):
    model = ready(build_uda_model(cfg)).eval()
    data = model.data_preprocessor(sci2i_batch(), False)
    inputs = data['source']['inputs']
    out = model.translate_source(inputs, data['source']['data_samples'])
    assert out.shape == inputs.shape
    assert out.min() >= 0 and out.max() <= 1
    torch.testing.assert_close(
        out, model.translate_source(inputs, data['source']['data_samples']))
    with torch.no_grad():
        for p in model.network('gen').parameters():
            p.add_(0.5)
    torch.testing.assert_close(
        out, model.translate_source(inputs, data['source']['data_samples']))
    with torch.no_grad():
        for p in model.network('gen_ema').parameters():
            p.add_(0.5)
    assert not torch.allclose(
        out, model.translate_source(inputs, data['source']['data_samples']))
    assert model.can_translate_source


def test_global_random_state_untouched(cfg, build_uda_model, sgd_optimizers,
                                       sci2i_batch):
    model = ready(build_uda_model(cfg))
    set_iter(0)
    state = torch.get_rng_state()
    model.train_step(sci2i_batch(target_labels=True), sgd_optimizers(model))
    assert torch.equal(torch.get_rng_state(), state)


def test_config_errors(cfg, build_uda_model):
    bad = copy.deepcopy(cfg)
    bad.segmentor.pop('role')
    with pytest.raises(ValueError, match="role='frozen'"):
        build_uda_model(bad)
    bad = copy.deepcopy(cfg)
    bad.generators.pop('gen_ema')
    with pytest.raises(ValueError, match='gen_ema'):
        build_uda_model(bad)
    bad = copy.deepcopy(cfg)
    bad.discriminators.disc.num_classes = 7
    with pytest.raises(ValueError, match='num_classes=4'):
        build_uda_model(bad)
    bad = copy.deepcopy(cfg)
    bad.discriminators.disc.gan_loss = dict(
        type='DomainAdversarialLoss', gan_type='lsgan')
    with pytest.raises(ValueError, match='ClassAwareAdversarialLoss'):
        build_uda_model(bad)
    bad = copy.deepcopy(cfg)
    bad.pseudo_labels = 'teacher'
    with pytest.raises(ValueError, match='pseudo_labels'):
        build_uda_model(bad)

"""The UDA core: BaseUDASegmentor helpers and AdaptSegNet's train_step."""
import copy

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapperDict

from udaplug.models.segmentors import NonFiniteLossError, frozen
from udaplug.registry import MODELS

NUM_CLASSES = 4


@pytest.fixture
def build(tiny_adaptsegnet_cfg):

    def build(cfg=None):
        torch.manual_seed(0)
        model = MODELS.build((cfg or tiny_adaptsegnet_cfg(NUM_CLASSES)).model)
        model.init_weights()
        model.train()
        return model

    return build


def snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed(before, module):
    after = module.state_dict()
    return {k for k in before if not torch.equal(before[k], after[k])}


def test_train_step_updates_every_network_and_keeps_frozen_params(
        build, tiny_optim_wrapper, uda_batch):
    model = build()
    optim = tiny_optim_wrapper(model)
    seg = model.segmentor
    frozen_names = {
        n
        for n, p in seg.named_parameters() if not p.requires_grad
    }
    before = {
        name: snapshot(getattr(model, name))
        for name in ('segmentor', 'disc_main', 'disc_aux')
    }

    log_vars = model.train_step(uda_batch(NUM_CLASSES), optim)

    for name, state in before.items():
        assert changed(state, getattr(model, name)), f'{name} not updated'
    seg_changed = changed(before['segmentor'], seg)
    assert not seg_changed & frozen_names, 'frozen parameters moved'
    # BN affine params and the two unused ASPP branches are frozen
    assert any('bn1.weight' in n for n in frozen_names)
    assert 'decode_head.aspp_convs.3.weight' in frozen_names
    for key in ('decode.loss_ce', 'aux.loss_ce', 'loss_adv_seg',
                'loss_adv_aux', 'disc_main.loss_source',
                'disc_main.loss_target', 'disc_aux.loss_source'):
        assert key in log_vars and torch.isfinite(log_vars[key])


def test_discriminator_step_leaves_segmentor_untouched(build,
                                                       tiny_optim_wrapper,
                                                       uda_batch):
    model = build()
    optim = tiny_optim_wrapper(model)
    data = model.data_preprocessor(uda_batch(NUM_CLASSES), True)
    src = model.segmentor_outputs(data['source']['inputs'])
    tgt = model.segmentor_outputs(data['target']['inputs'])
    probs_src = model.output_probs(src, data['source']['inputs'].shape[2:])
    probs_tgt = model.output_probs(tgt, data['target']['inputs'].shape[2:])
    seg_before = snapshot(model.segmentor)

    model.train_discriminator('disc_main', optim['disc_main'],
                              probs_src['seg'], probs_tgt['seg'])

    assert all(p.grad is None for p in model.segmentor.parameters())
    assert all(p.grad is not None for p in model.disc_main.parameters())
    model.step(optim['disc_main'])
    assert not changed(seg_before, model.segmentor)


def test_segmentation_step_does_not_train_frozen_discriminators(
        build, uda_batch):
    model = build()
    data = model.data_preprocessor(uda_batch(NUM_CLASSES), True)
    with frozen(model.disc_main):
        tgt = model.segmentor_outputs(data['target']['inputs'])
        probs = model.output_probs(tgt, data['target']['inputs'].shape[2:])
        loss = model.generator_adversarial_loss('disc_main', probs['seg'], 1.0)
        loss.backward()
    assert all(p.grad is None for p in model.disc_main.parameters())
    assert all(p.requires_grad for p in model.disc_main.parameters())
    head_grads = [
        p.grad for p in model.segmentor.decode_head.parameters()
        if p.requires_grad
    ]
    assert head_grads and all(g is not None and g.abs().sum() > 0
                              for g in head_grads)


def test_frozen_restores_each_parameters_own_flag(build):
    model = build()
    flags = {n: p.requires_grad for n, p in model.named_parameters()}
    assert not all(flags.values())  # BN affine parameters are frozen
    with frozen(model.segmentor, model.disc_main):
        assert not any(p.requires_grad for p in model.segmentor.parameters())
    assert flags == {n: p.requires_grad for n, p in model.named_parameters()}


def test_nan_loss_stops_training_naming_loss_and_iteration(
        build, tiny_optim_wrapper, uda_batch):
    model = build()
    optim = tiny_optim_wrapper(model)
    batch = uda_batch(NUM_CLASSES)
    batch['source']['inputs'][0][0, 0, 0] = float('nan')
    MessageHub.get_current_instance().update_info('iter', 41)
    with pytest.raises(NonFiniteLossError) as err:
        model.train_step(batch, optim)
    assert 'decode.loss_ce' in str(err.value)
    assert 'iteration 41' in str(err.value)


def test_backward_names_a_non_finite_loss_with_its_prefix(
        build, tiny_optim_wrapper):
    """``backward(..., prefix='disc_main.')`` (the discriminators' step)
    names a non-finite loss ``disc_main.loss_source`` in its error, as in
    the logs, and returns the prefixed log values."""
    model = build()
    optim = tiny_optim_wrapper(model)['disc_main']
    weight = next(model.disc_main.parameters())
    finite = {'loss_source': weight.sum() * 0 + 1.5, 'acc': torch.tensor(9.)}
    log_vars = model.backward(optim, finite, prefix='disc_main.')
    assert set(log_vars) == {'disc_main.loss_source', 'disc_main.acc'}
    assert float(log_vars['disc_main.loss_source']) == 1.5
    MessageHub.get_current_instance().update_info('iter', 3)
    with pytest.raises(NonFiniteLossError) as err:
        model.backward(
            optim, {'loss_source': weight.sum() * float('nan')},
            prefix='disc_main.')
    assert '"disc_main.loss_source"' in str(err.value)
    assert 'iteration 3' in str(err.value)


def test_network_from_a_checkpoint_must_fit_it(build, tiny_adaptsegnet_cfg,
                                               tmp_path):
    """A network initialised as a whole from a file (network-level
    ``Pretrained``) must fit it exactly: a discriminator of another width
    fails at ``init_weights`` naming the network, the file and the
    reshaped keys (mmengine would load non-strictly and leave random
    weights); the fitting file loads every weight."""
    other = build()
    with torch.no_grad():
        for p in other.disc_main.parameters():
            p.fill_(0.25)
    path = str(tmp_path / 'run.pth')
    torch.save({'state_dict': other.state_dict()}, path)
    init = dict(type='Pretrained', checkpoint=path, prefix='disc_main.')

    cfg = tiny_adaptsegnet_cfg(NUM_CLASSES)
    cfg.model.discriminators.disc_main.init_cfg = init
    model = build(cfg)
    assert all((p == 0.25).all() for p in model.disc_main.parameters())

    cfg = tiny_adaptsegnet_cfg(NUM_CLASSES)
    cfg.model.discriminators.disc_main.update(
        init_cfg=init, channels=(4, 8, 8, 8))
    with pytest.raises(ValueError) as err:
        build(cfg)
    message = str(err.value)
    assert '"disc_main"' in message and path in message
    assert 'does not fit its architecture' in message
    assert "prefix 'disc_main.'" in message
    assert 'of another shape' in message and '(4, ' in message, message


def test_discriminator_channels_must_match_num_classes(tiny_adaptsegnet_cfg):
    cfg = tiny_adaptsegnet_cfg(NUM_CLASSES)
    cfg.model.discriminators.disc_aux.in_channels = NUM_CLASSES + 1
    with pytest.raises(ValueError) as err:
        MODELS.build(cfg.model)
    message = str(err.value)
    assert 'disc_aux' in message
    assert f'in_channels={NUM_CLASSES + 1}' in message
    assert f'num_classes={NUM_CLASSES}' in message


def test_adversarial_levels_are_checked(tiny_adaptsegnet_cfg):
    cfg = tiny_adaptsegnet_cfg(NUM_CLASSES)
    cfg.model.adversarial_levels.aux.discriminator = 'disc_typo'
    with pytest.raises(ValueError, match='disc_typo'):
        MODELS.build(cfg.model)
    cfg = tiny_adaptsegnet_cfg(NUM_CLASSES)
    cfg.model.segmentor.auxiliary_head = None
    with pytest.raises(ValueError, match='"aux" is not an output'):
        MODELS.build(cfg.model)


def test_missing_optimizer_is_named(build, tiny_optim_wrapper, uda_batch):
    model = build()
    optim = tiny_optim_wrapper(model)
    partial = OptimWrapperDict(
        segmentor=optim['segmentor'], disc_main=optim['disc_main'])
    with pytest.raises(KeyError, match='disc_aux'):
        model.train_step(uda_batch(NUM_CLASSES), partial)


def test_inference_is_delegated_to_the_segmentor(build, seg_sample):
    model = build()
    model.eval()
    data = dict(
        inputs=[torch.rand(3, 40, 56) * 255],
        data_samples=[seg_sample(40, 56, NUM_CLASSES)])
    results = model.test_step(copy.deepcopy(data))
    expected = model.segmentor.predict(
        **model.data_preprocessor(copy.deepcopy(data), False))
    assert results[0].pred_sem_seg.shape == (40, 56)
    assert torch.equal(results[0].pred_sem_seg.data,
                       expected[0].pred_sem_seg.data)


def test_mixed_precision_step_on_cpu_is_finite_and_autocasts(
        build, tiny_optim_wrapper, uda_batch):
    model = build()
    optim = tiny_optim_wrapper(model, amp=True)
    assert all(w.cast_dtype == torch.bfloat16 for w in optim.values())
    dtypes = []
    hook = model.segmentor.decode_head.register_forward_hook(
        lambda m, i, o: dtypes.append(o.dtype))
    for step in range(3):
        log_vars = model.train_step(uda_batch(NUM_CLASSES, seed=step), optim)
        assert all(
            torch.isfinite(v) for k, v in log_vars.items() if 'loss' in k)
    hook.remove()
    assert dtypes and all(d == torch.bfloat16 for d in dtypes)

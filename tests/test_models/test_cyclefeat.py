"""CycleFeat (Toldo et al.): build-time checks, and one training step of
each phase against a reference computed by hand from a copy of the model
(the gradient every network receives), NaN reporting, translation."""
import copy
import os.path as osp
import re

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapperDict

from udaplug.models.uda import NonFiniteLossError
from udaplug.registry import MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL_CFG = osp.join(REPO_ROOT, 'configs', '_base_', 'models',
                     'cyclefeat_mnv2.py')
NUM_CLASSES = 4
FEAT_CHANNELS = 80  # MobileNet-v2 x0.25: make_divisible(320 * 0.25, 8)
GENERATORS = ('gen_st', 'gen_ts')
IMG_DISCS = ('disc_img_s', 'disc_img_t')
FEAT_DISCS = ('disc_feat_s', 'disc_feat_t')


def tiny_cfg(**changes) -> dict:
    """The real CycleFeat model config, shrunk (MobileNet-v2 x0.25, narrow
    heads, generators and discriminators), without dropout so that a
    reference can recompute every loss. ``changes`` update the model."""
    model = Config.fromfile(MODEL_CFG).model.to_dict()
    seg = model['segmentor']
    seg['backbone'].update(widen_factor=0.25, init_cfg=None)
    seg['decode_head'].update(
        in_channels=FEAT_CHANNELS,
        channels=16,
        c1_in_channels=8,
        c1_channels=8,
        dropout_ratio=0.0,
        num_classes=NUM_CLASSES)
    for gen in model['generators'].values():
        gen.update(base_channels=4, num_blocks=1)
    for name, disc in model['discriminators'].items():
        disc.update(channels=(4, 4, 4, 4))
        if name in FEAT_DISCS:
            disc['in_channels'] = FEAT_CHANNELS
    model.update(changes)
    return model


def build(**changes):
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg(**changes))
    model.init_weights()
    # statistics that are not the identity, so that a broken BN mode shows
    for m in model.segmentor.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return model.train()


@pytest.fixture
def sgd_wrappers(recording_optim_wrapper):
    """``sgd_wrappers(model, scales=None)``: SGD (lr 1, no momentum) for
    every trainable network, the generators in one group; each records the
    gradients it steps with (``scales``: loss scales by optimizer)."""
    return lambda model, scales=None: _sgd_wrappers(
        model, recording_optim_wrapper, scales)


def _sgd_wrappers(model, wrapper_cls, scales=None) -> OptimWrapperDict:
    scales = scales or {}

    def wrapper(name, params):
        return wrapper_cls(
            torch.optim.SGD(params, lr=1.0), scale=scales.get(name, 1.0))

    wrappers = dict(
        segmentor=wrapper('segmentor', model.segmentor.parameters()),
        generators=wrapper(
            'generators',
            list(model.gen_st.parameters()) + list(model.gen_ts.parameters())))
    wrappers['generators'].network_names = list(GENERATORS)
    for name in model.discriminator_names:
        wrappers[name] = wrapper(name, getattr(model, name).parameters())
    return OptimWrapperDict(**wrappers)


def at_iteration(it: int) -> None:
    MessageHub.get_current_instance().update_info('iter', it)


def lsgan(out, label):
    return ((out - label)**2).mean()


def reference_losses(ref,
                     batch,
                     sem_weight,
                     feat_weight,
                     img_weight=1.0,
                     cycle_weight=10.0,
                     adapt=False,
                     ce_to_generator=False):
    """Every term of Eq. (8) from the networks of ``ref`` (a copy of the
    model before its step): ``(generator loss, segmentor loss,
    discriminator name -> loss)`` as the official code defines them."""
    data = ref.data_preprocessor(batch, True)
    src, tgt = data['source'], data['target']
    seg = ref.segmentor
    x_s, x_t = ref.to_tanh_range(src['inputs']), ref.to_tanh_range(
        tgt['inputs'])
    with torch.no_grad():
        out_s = seg(src['inputs'], mode='outputs', features=True)
        out_t = seg(tgt['inputs'], mode='outputs', features=True)
    fake_t, fake_s = ref.gen_st(x_s), ref.gen_ts(x_t)
    gen = img_weight * (
        lsgan(ref.disc_img_t(fake_t), 0.9) +
        lsgan(ref.disc_img_s(fake_s), 0.9))
    gen = gen + cycle_weight * ((ref.gen_ts(fake_t) - x_s).abs().mean() +
                                (ref.gen_st(fake_s) - x_t).abs().mean())
    seg_in_t = ref.from_tanh_range(fake_t)
    seg_in_s = ref.from_tanh_range(fake_s)
    if adapt:
        # the segmentor's terms see the translations as inputs; their
        # gradient reaches the generators through a second copy
        seg_in_t_leaf = seg_in_t.detach()
        seg_in_s_leaf = seg_in_s.detach()
    else:
        seg_in_t_leaf, seg_in_s_leaf = seg_in_t, seg_in_s
    fo_t = seg(seg_in_t, mode='outputs', features=True)
    fo_s = seg(seg_in_s, mode='outputs', features=True)
    shared = sem_weight * (
        F.cross_entropy(fo_t['seg'], out_s['seg'].argmax(1)) +
        F.cross_entropy(fo_s['seg'], out_t['seg'].argmax(1)))
    discs = {
        'disc_img_t':
        0.5 * (lsgan(ref.disc_img_t(x_t), 0.9) +
               lsgan(ref.disc_img_t(fake_t.detach()), 0.0)),
        'disc_img_s':
        0.5 * (lsgan(ref.disc_img_s(x_s), 0.9) +
               lsgan(ref.disc_img_s(fake_s.detach()), 0.0)),
    }
    seg_loss = None
    if adapt:
        if feat_weight:
            shared = shared + feat_weight * (
                lsgan(ref.disc_feat_t(fo_t['features'][-1]), 0.9) +
                lsgan(ref.disc_feat_s(fo_s['features'][-1]), 0.9))
            discs['disc_feat_t'] = feat_weight * 0.5 * (
                lsgan(ref.disc_feat_t(out_t['features'][-1]), 0.9) +
                lsgan(ref.disc_feat_t(fo_t['features'][-1].detach()), 0.0))
            discs['disc_feat_s'] = feat_weight * 0.5 * (
                lsgan(ref.disc_feat_s(out_s['features'][-1]), 0.9) +
                lsgan(ref.disc_feat_s(fo_s['features'][-1].detach()), 0.0))
        # L_ce^s: mmseg's decode-head loss on the translated source
        ce = ref.seg_model.loss_by_outputs(fo_t, src['data_samples'])
        ce = sum(v for k, v in ce.items() if 'loss' in k)
        gen = gen + shared + (ce if ce_to_generator else 0)
        # the segmentor's own graph: the same terms on detached inputs
        fo_t2 = seg(seg_in_t_leaf, mode='outputs', features=True)
        fo_s2 = seg(seg_in_s_leaf, mode='outputs', features=True)
        seg_loss = sem_weight * (
            F.cross_entropy(fo_t2['seg'], out_s['seg'].argmax(1)) +
            F.cross_entropy(fo_s2['seg'], out_t['seg'].argmax(1)))
        if feat_weight:
            seg_loss = seg_loss + feat_weight * (
                lsgan(ref.disc_feat_t(fo_t2['features'][-1]), 0.9) +
                lsgan(ref.disc_feat_s(fo_s2['features'][-1]), 0.9))
        ce2 = ref.seg_model.loss_by_outputs(fo_t2, src['data_samples'])
        seg_loss = seg_loss + sum(v for k, v in ce2.items() if 'loss' in k)
    else:
        gen = gen + shared
    return gen, seg_loss, discs


def grads_of(loss, params):
    params = list(params)
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    return [
        torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)
    ]


def assert_grads(recorded, expected, what):
    assert recorded is not None, f'{what}: no step'
    assert len(recorded) == len(expected)
    largest = max(e.abs().max() for e in expected)
    assert largest > 0, f'{what}: the reference gradient is zero'
    # float32 sums in another order (thread count) differ by ~1e-7 of the
    # largest gradient entry: tiny entries are compared at that scale
    atol = max(1e-6, 1e-5 * float(largest))
    for i, (got, want) in enumerate(zip(recorded, expected)):
        got = torch.zeros_like(want) if got is None else got
        assert torch.allclose(got, want, rtol=1e-3, atol=atol), \
            f'{what}: parameter {i} differs by {(got - want).abs().max()}'


def gen_params(model):
    return list(model.gen_st.parameters()) + list(model.gen_ts.parameters())


# ----------------------------------------------------------------------
# Phase 1: segmentor frozen
@pytest.mark.parametrize('img_weight,cycle_weight', [(1.0, 10.0), (0.0, 0.0)])
def test_frozen_phase_matches_reference(img_weight, cycle_weight, sgd_wrappers,
                                        uda_batch):
    """Before segmentor_frozen_iters: no segmentor weight changes, the
    feature discriminators do not train, and the generators get the
    gradient of L_img + L_cycle + L_sem, L_sem through the frozen segmentor
    (alone when the other weights are 0)."""
    model = build(
        img_loss_weight=img_weight,
        cycle_loss_weight=cycle_weight,
        sem_loss=dict(type='SemanticConsistencyLoss', loss_weight=1.0),
        segmentor_frozen_iters=5)
    ref = copy.deepcopy(model)
    seg_before = copy.deepcopy(model.segmentor.state_dict())
    feat_before = copy.deepcopy(model.disc_feat_t.state_dict())
    optims = sgd_wrappers(model)
    batch = uda_batch(NUM_CLASSES, (32, 32), (32, 32))
    at_iteration(4)
    log_vars = model.train_step(batch, optims)
    assert {'loss_sem_t', 'loss_sem_s', 'loss_cycle_s',
            'loss_adv_img_t'} <= set(log_vars)
    assert not any('feat' in k or 'decode' in k for k in log_vars)

    for key, value in model.segmentor.state_dict().items():
        assert torch.equal(value, seg_before[key]), key
    for key, value in model.disc_feat_t.state_dict().items():
        assert torch.equal(value, feat_before[key]), key
    assert optims['segmentor'].recorded is None  # never stepped
    assert optims['disc_feat_t'].recorded is None

    gen, _, discs = reference_losses(
        ref, batch, 1.0, 0.0, img_weight=img_weight, cycle_weight=cycle_weight)
    assert_grads(optims['generators'].recorded, grads_of(gen, gen_params(ref)),
                 'generators')
    for name in IMG_DISCS:
        assert_grads(optims[name].recorded,
                     grads_of(discs[name],
                              getattr(ref, name).parameters()), name)


def test_frozen_phase_without_sem_gives_another_gradient(
        sgd_wrappers, uda_batch):
    """L_sem really is in the generators' gradient: without it the step
    differs."""
    batch = uda_batch(NUM_CLASSES, (32, 32), (32, 32))
    moves = []
    for sem_loss in (dict(type='SemanticConsistencyLoss',
                          loss_weight=1.0), None):
        model = build(sem_loss=sem_loss)
        optims = sgd_wrappers(model)
        at_iteration(0)
        model.train_step(batch, optims)
        moves.append(optims['generators'].recorded)
    assert any(not torch.allclose(a, b) for a, b in zip(*moves))


# ----------------------------------------------------------------------
# Phase 2: everything trains
@pytest.mark.parametrize('ce_to_generator,scales', [
    (False, None),
    (True, None),
    (False, dict(segmentor=8.0, generators=2.0, disc_feat_t=4.0)),
])
def test_adaptation_phase_matches_reference(ce_to_generator, scales,
                                            sgd_wrappers, uda_batch):
    """From segmentor_frozen_iters: the segmentor gets L_sem + L_feat
    (generator side) + L_ce^s, the generators L_img + L_cycle + L_sem +
    L_feat (+ L_ce^s with ce_to_generator), the feature discriminators
    lambda_feat x their LSGAN loss; also under per-optimizer loss scales
    (mixed precision), which must not leak into other networks."""
    model = build(
        sem_loss=dict(type='SemanticConsistencyLoss', loss_weight=0.5),
        feat_loss_weight=0.7,
        segmentor_frozen_iters=3,
        ce_to_generator=ce_to_generator)
    ref = copy.deepcopy(model)
    optims = sgd_wrappers(model, scales)
    batch = uda_batch(NUM_CLASSES, (32, 32), (32, 32))
    at_iteration(3)
    log_vars = model.train_step(batch, optims)
    assert {
        'loss_adv_feat_t', 'loss_adv_feat_s', 'decode.loss_ce',
        'disc_feat_s.loss_target'
    } <= set(log_vars)

    gen, seg_loss, discs = reference_losses(
        ref, batch, 0.5, 0.7, adapt=True, ce_to_generator=ce_to_generator)
    assert_grads(optims['generators'].recorded, grads_of(gen, gen_params(ref)),
                 'generators')
    assert_grads(optims['segmentor'].recorded,
                 grads_of(seg_loss, ref.segmentor.parameters()), 'segmentor')
    for name in IMG_DISCS + FEAT_DISCS:
        assert_grads(optims[name].recorded,
                     grads_of(discs[name],
                              getattr(ref, name).parameters()), name)


def test_segmentor_batchnorm_statistics_stay_frozen(sgd_wrappers, uda_batch):
    model = build(segmentor_frozen_iters=0)
    bn = [
        m for m in model.segmentor.modules()
        if isinstance(m, torch.nn.BatchNorm2d)
    ]
    before = [m.running_mean.clone() for m in bn]
    at_iteration(0)
    model.train_step(
        uda_batch(NUM_CLASSES, (32, 32), (32, 32)), sgd_wrappers(model))
    assert all(torch.equal(m.running_mean, b) for m, b in zip(bn, before))


# ----------------------------------------------------------------------
# Bad inputs, NaN, translation
def test_feature_discriminator_channels_checked_at_build():
    cfg = tiny_cfg()
    cfg['discriminators']['disc_feat_t']['in_channels'] = 50
    with pytest.raises(ValueError) as err:
        MODELS.build(cfg)
    message = str(err.value)
    assert 'disc_feat_t' in message and 'in_channels=50' in message
    assert f'{FEAT_CHANNELS} channels' in message
    assert 'encoder output' in message


def test_networks_must_match_the_settings():
    cfg = tiny_cfg()
    del cfg['discriminators']['disc_feat_s']
    with pytest.raises(ValueError, match=r"missing: \['disc_feat_s'\]"):
        MODELS.build(cfg)
    with pytest.raises(ValueError, match='not used'):
        MODELS.build(tiny_cfg(feat_loss_weight=0.0))
    cfg = tiny_cfg()
    cfg['generators']['gen_ts']['out_channels'] = 4
    with pytest.raises(ValueError, match='gen_ts outputs 4 channels'):
        MODELS.build(cfg)
    cfg = tiny_cfg()
    cfg['discriminators']['disc_img_s']['in_channels'] = 4
    with pytest.raises(ValueError, match='disc_img_s takes in_channels=4'):
        MODELS.build(cfg)
    for value in (-1.0, float('nan')):
        with pytest.raises(ValueError, match='feat_loss_weight must be >= 0'):
            MODELS.build(tiny_cfg(feat_loss_weight=value))
    assert build().encoder_channels() == FEAT_CHANNELS


def test_generators_share_one_optimizer(sgd_wrappers, uda_batch):
    model = build()
    optims = sgd_wrappers(model)
    group = optims['generators']
    del group.network_names
    optims = OptimWrapperDict(
        gen_st=group,
        gen_ts=type(group)(torch.optim.SGD(model.gen_ts.parameters(), lr=1)),
        **{
            k: v
            for k, v in optims.items() if k != 'generators'
        })
    at_iteration(0)
    with pytest.raises(ValueError, match='must share one optimizer'):
        model.train_step(uda_batch(NUM_CLASSES, (32, 32), (32, 32)), optims)


def _nan_weight(obj, attr):
    return lambda model: setattr(obj(model), attr, float('nan'))


def _nan_network(name):

    def spoil(model):
        with torch.no_grad():
            for p in getattr(model, name).parameters():
                p.fill_(float('nan'))

    return spoil


def _nan_history(model):
    # translations from the history are what only D_T sees
    query = model.buffer_t.query
    model.buffer_t.query = lambda x: query(x) * float('nan')


# One way to make each of the seven losses of Eq. (8)-(9) NaN, the
# iteration (phase) it is computed in, and the name training stops with.
NAN_LOSSES = {
    'L_img': (_nan_weight(lambda m: m,
                          'img_loss_weight'), 0, 'loss_adv_img_t'),
    'L_cycle': (_nan_weight(lambda m: m,
                            'cycle_loss_weight'), 0, 'loss_cycle_s'),
    'L_sem': (_nan_weight(lambda m: m.sem_loss,
                          'loss_weight'), 0, 'loss_sem_t'),
    'L_feat': (_nan_network('disc_feat_t'), 1, 'loss_adv_feat_t'),
    'L_ce': (_nan_weight(lambda m: m.segmentor.decode_head.loss_decode,
                         'loss_weight'), 1, 'decode.loss_ce'),
    'D image': (_nan_history, 0, 'disc_img_t.loss_source'),
    'D feature':
    (_nan_weight(lambda m: m,
                 'feat_disc_loss_weight'), 1, 'disc_feat_t.loss_source'),
}


@pytest.mark.parametrize('term', sorted(NAN_LOSSES))
def test_non_finite_loss_stops_with_its_name(term, sgd_wrappers, uda_batch):
    """A NaN in any of the seven losses stops the step before any network
    steps, with the loss's name."""
    spoil, it, loss = NAN_LOSSES[term]
    model = build(segmentor_frozen_iters=1)
    optims = sgd_wrappers(model)
    spoil(model)
    at_iteration(it)
    with pytest.raises(NonFiniteLossError, match=f'"{re.escape(loss)}"'):
        model.train_step(uda_batch(NUM_CLASSES, (32, 32), (32, 32)), optims)
    assert all(o.recorded is None for o in optims.values())


def test_nan_weights_name_the_network_they_spoil(sgd_wrappers, uda_batch):
    """NaN weights in a network stop training with the first loss they
    reach."""
    for network, loss in (('disc_img_t', 'loss_adv_img_t'),
                          ('gen_ts', 'loss_adv_img_s'), ('segmentor',
                                                         'loss_sem_t')):
        model = build(segmentor_frozen_iters=1)
        _nan_network(network)(model)
        at_iteration(0)
        with pytest.raises(NonFiniteLossError, match=f'"{loss}"'):
            model.train_step(
                uda_batch(NUM_CLASSES, (32, 32), (32, 32)),
                sgd_wrappers(model))


def test_translate_source_and_visualisation(sgd_wrappers, uda_batch):
    model = build()
    assert model.can_translate_source
    batch = uda_batch(NUM_CLASSES, (30, 42), (32, 32))
    data = model.data_preprocessor(batch, False)
    out = model.translate_source(data['source']['inputs'],
                                 data['source']['data_samples'])
    assert out.shape == (1, 3, 30, 42)
    assert out.min() >= 0 and out.max() <= 1
    at_iteration(0)
    model.train_step(
        uda_batch(NUM_CLASSES, (32, 32), (32, 32)), sgd_wrappers(model))
    vis = model.visualization_outputs()
    assert {
        'source_image', 'translated_source_image', 'translated_target_image',
        'target_pred'
    } <= set(vis)
    assert vis['translated_source_image'].shape == (3, 32, 32)

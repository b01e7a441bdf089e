"""SAI2ITranslator: one training step against Eq. (1)-(5) of Musto &
Zinelli written out by hand (losses, and the gradients every network gets),
the frozen segmentor, the build-time checks and translate_source."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.optim import OptimWrapper, OptimWrapperDict

from udaplug.registry import MODELS

NUM_CLASSES = 4
MEAN = [104.00698793, 116.66876762, 122.67891434]


def tiny_translator_cfg(**overrides):
    encoder = dict(type='ContentEncoder', base_channels=4, num_res_blocks=1)
    generator = dict(
        type='SPADEGenerator',
        label_channels=NUM_CLASSES,
        in_channels=16,
        num_res_blocks=1,
        spade_cfg=dict(hidden_channels=8))
    disc = dict(type='MultiScaleDiscriminator', channels=(4, 4, 4, 4))
    loss = dict(type='MultiScaleAdversarialLoss', gan_type='lsgan')
    cfg = dict(
        type='SAI2ITranslator',
        data_preprocessor=dict(
            type='UDADataPreProcessor',
            mean=MEAN,
            std=[1.0, 1.0, 1.0],
            bgr_to_rgb=False),
        segmentor=dict(
            type='MultiOutputEncoderDecoder',
            role='frozen',
            backbone=dict(type='DeepLabResNet', depth=18, out_indices=(3, )),
            decode_head=dict(
                type='DeepLabV2Head',
                in_channels=512,
                num_classes=NUM_CLASSES,
                align_corners=True,
                loss_decode=dict(type='CrossEntropyLoss')),
            train_cfg=dict(),
            test_cfg=dict(mode='whole')),
        generators=dict(
            enc_s=encoder, enc_t=encoder, gen_s=generator, gen_t=generator),
        discriminators=dict(
            disc_s=dict(
                disc, gan_loss=dict(loss, source_label=0.0, target_label=1.0)),
            disc_t=dict(
                disc, gan_loss=dict(loss, source_label=1.0,
                                    target_label=0.0))))
    cfg.update(overrides)
    return ConfigDict(cfg)


def build(**overrides):
    """The tiny model with converged spectral-norm estimates (power
    iterations run in train mode), then in eval mode."""
    torch.manual_seed(0)
    model = MODELS.build(tiny_translator_cfg(**overrides))
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    m = torch.randn(1, NUM_CLASSES, 64, 64)
    with torch.no_grad():
        for _ in range(20):
            for d in ('s', 't'):
                getattr(model, f'gen_{d}')(getattr(model, f'enc_{d}')(x), m)
                getattr(model, f'disc_{d}')(x)
    return model.eval()


def sgd_wrappers(model):
    """lr 1 SGD: a parameter's update is minus its gradient."""
    gens = [getattr(model, n) for n in ('enc_s', 'enc_t', 'gen_s', 'gen_t')]
    wrappers = dict(
        generators=OptimWrapper(
            torch.optim.SGD([p for g in gens
                             for p in g.parameters()], lr=1.0)))
    wrappers['generators'].network_names = ['enc_s', 'enc_t', 'gen_s', 'gen_t']
    for name in ('disc_s', 'disc_t'):
        wrappers[name] = OptimWrapper(
            torch.optim.SGD(getattr(model, name).parameters(), lr=1.0))
    return OptimWrapperDict(**wrappers)


def batch(seed=0, size=(64, 64)):
    gen = torch.Generator().manual_seed(seed)
    from mmseg.structures import SegDataSample

    def domain():
        sample = SegDataSample()
        sample.set_metainfo(dict(img_shape=size, ori_shape=size))
        return dict(
            inputs=[torch.rand(3, *size, generator=gen) * 255],
            data_samples=[sample])

    return dict(source=domain(), target=domain())


def lsgan(outputs, label):
    return sum(((o - label)**2).mean() for o in outputs)


def l1(a, b):
    return (a - b).abs().mean()


def sce_by_hand(fake_logits, real_logits):
    """Eq. 5: -sum q log p - sum p log q, q = softmax(M(x)),
    p = softmax(M(x_fake)); averaged over pixels (q clamped at 1e-4 in the
    log)."""
    q = F.softmax(real_logits, 1)
    p = F.softmax(fake_logits, 1)
    return (-(q * torch.log(p)).sum(1) -
            (p * torch.log(q.clamp(min=1e-4))).sum(1)).mean()


def reference(model, data):
    """Eq. (1)-(5) written out with the model's networks (deep copies):
    the generator-side terms and the discriminator losses of Eq. 3."""
    model = copy.deepcopy(model)
    pre = model.data_preprocessor(data, True)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    seg = model.segmentor
    x, m, logits = {}, {}, {}
    for d in ('source', 'target'):
        inputs = pre[d]['inputs']
        x[d] = (inputs + mean) / 127.5 - 1
        logits[d] = seg(inputs, mode='outputs')['seg'].detach()
        m[d] = F.interpolate(
            logits[d],
            size=inputs.shape[2:],
            mode='bilinear',
            align_corners=True)
    E = dict(source=model.enc_s, target=model.enc_t)
    G = dict(source=model.gen_s, target=model.gen_t)
    D = dict(source=model.disc_s, target=model.disc_t)
    other = dict(source='target', target='source')
    terms = dict(recon=0, gan=0, cycle_image=0, cycle_latent=0, sce=0)
    fakes = {}
    for a, b in other.items():
        z = E[a](x[a])
        terms['recon'] += l1(G[a](z, m[a]), x[a])
        fake = fakes[a] = G[b](z, m[a])
        z_fake = E[b](fake)
        terms['cycle_latent'] += l1(z_fake, z)
        terms['cycle_image'] += l1(G[a](z_fake, m[a]), x[a])
        terms['gan'] += 0.5 * lsgan(D[b](fake), 0.0)  # real label 0
        fake_in = (fake + 1) * 127.5 - mean
        terms['sce'] += sce_by_hand(
            seg(fake_in, mode='outputs')['seg'], logits[a])
    weights = dict(recon=10, gan=1, cycle_image=10, cycle_latent=1, sce=10)
    gen_loss = sum(weights[k] * v for k, v in terms.items())
    gen_params = [
        p for n in ('enc_s', 'enc_t', 'gen_s', 'gen_t')
        for p in getattr(model, n).parameters()
    ]
    gen_grads = torch.autograd.grad(gen_loss, gen_params)
    # Eq. 3: 1/2 D(real)^2 + 1/2 (D(fake) - 1)^2, on detached fakes
    real = dict(source=x['source'], target=x['target'])
    disc_grads = {}
    for d, fake in ((
            'target',
            fakes['source'],
    ), ('source', fakes['target'])):
        loss = 0.5 * lsgan(D[d](real[d]), 0.0) + \
            0.5 * lsgan(D[d](fake.detach()), 1.0)
        disc_grads[d] = torch.autograd.grad(loss, list(D[d].parameters()))
    return {k: float(v) * weights[k] for k, v in terms.items()}, \
        gen_grads, disc_grads


def _params(model, names):
    return [
        p.detach().clone() for n in names
        for p in getattr(model, n).parameters()
    ]


def test_train_step_is_eq1_to_eq5():
    """Losses and every network's gradient equal the hand-written
    objective (eval mode: spectral norm's power iteration does not move
    between the two computations)."""
    model = build()
    data = batch()
    terms, gen_grads, disc_grads = reference(model, data)
    gens = ['enc_s', 'enc_t', 'gen_s', 'gen_t']
    before = {
        'gens': _params(model, gens),
        'disc_s': _params(model, ['disc_s']),
        'disc_t': _params(model, ['disc_t']),
        'seg': _params(model, ['segmentor']),
    }
    log_vars = model.train_step(data, sgd_wrappers(model))
    for key in ('recon', 'gan', 'cycle_image', 'cycle_latent', 'sce'):
        assert float(log_vars[f'loss_{key}']) == pytest.approx(
            terms[key], rel=1e-4), key
    after = _params(model, gens)
    for b, a, g in zip(before['gens'], after, gen_grads):
        torch.testing.assert_close(b - a, g, rtol=1e-3, atol=1e-6)
    for name, domain in (('disc_s', 'source'), ('disc_t', 'target')):
        for b, a, g in zip(before[name], _params(model, [name]),
                           disc_grads[domain]):
            torch.testing.assert_close(b - a, g, rtol=1e-3, atol=1e-6)
    # M is frozen: untouched, and no optimizer would take it
    for b, a in zip(before['seg'], _params(model, ['segmentor'])):
        assert torch.equal(a, b)
    assert all(not p.requires_grad for p in model.segmentor.parameters())
    assert model.role_of('segmentor') == 'frozen'
    vis = model.visualization_outputs()
    assert list(vis) == [
        'source_image', 'translated_image', 'seg_pred', 'target_image',
        'target_to_source_image'
    ]
    from udaplug.engine.hooks import TranslationVisualizationHook
    strip = TranslationVisualizationHook(interval=1).render(
        vis, [[i, i, i] for i in range(NUM_CLASSES)])
    assert strip.shape == (64, 5 * 64, 3)


def test_semantic_guidance_and_sce_switches():
    """Table 3 ablations: without SPADE the map does not reach the
    generators; without SCE its term is gone; with neither M does not
    run."""
    no_sce = build(loss_weights=dict(sce=0.0))
    log_vars = no_sce.train_step(batch(), sgd_wrappers(no_sce))
    assert 'loss_sce' not in log_vars and no_sce.uses_semantics
    cfg = tiny_translator_cfg(loss_weights=dict(sce=0.0))
    for g in ('gen_s', 'gen_t'):
        cfg.generators[g]['with_spade'] = False
    torch.manual_seed(0)
    plain = MODELS.build(cfg).eval()
    assert not plain.uses_semantics
    calls = []
    plain.segmentor.register_forward_hook(lambda *a: calls.append(1))
    plain.train_step(batch(), sgd_wrappers(plain))
    assert not calls


def test_translate_source_and_padding():
    model = build()
    pre = model.data_preprocessor(batch(size=(64, 64)), True)['source']
    out = model.translate_source(pre['inputs'], pre['data_samples'])
    assert out.shape == (1, 3, 64, 64) and 0 <= out.min() <= out.max() <= 1
    # by hand: G_T(E_S(x), M(x)) in [-1, 1] -> RGB in [0, 1]
    x = (pre['inputs'] + torch.tensor(MEAN).view(1, 3, 1, 1)) / 127.5 - 1
    logits = model.segmentor(pre['inputs'], mode='outputs')['seg']
    m = F.interpolate(
        logits, size=(64, 64), mode='bilinear', align_corners=True)
    expected = ((model.gen_t(model.enc_s(x), m) + 1) / 2).flip(1)
    torch.testing.assert_close(out, expected.clamp(0, 1))
    assert model.can_translate_source
    # sides that are not multiples of 4 are padded and cropped back
    odd = torch.rand(1, 3, 62, 70) * 255 - torch.tensor(MEAN).view(1, 3, 1, 1)
    assert model.translate_source(odd, []).shape == (1, 3, 62, 70)


def test_build_checks():
    with pytest.raises(ValueError, match="must be frozen"):
        cfg = tiny_translator_cfg()
        cfg.segmentor.pop('role')
        MODELS.build(cfg)
    with pytest.raises(ValueError, match='label_channels=4'):
        cfg = tiny_translator_cfg()
        cfg.generators.gen_t = dict(cfg.generators.gen_t, label_channels=19)
        MODELS.build(cfg)
    with pytest.raises(ValueError, match='missing.*enc_t'):
        cfg = tiny_translator_cfg()
        cfg.generators.pop('enc_t')
        MODELS.build(cfg)
    with pytest.raises(ValueError, match='in_channels=32'):
        cfg = tiny_translator_cfg()
        cfg.generators.enc_s = dict(cfg.generators.enc_s, base_channels=8)
        cfg.generators.enc_t = dict(cfg.generators.enc_t, base_channels=8)
        MODELS.build(cfg)
    with pytest.raises(ValueError, match='unknown terms'):
        MODELS.build(tiny_translator_cfg(loss_weights=dict(perceptual=1.0)))
    model = build()
    wrappers = sgd_wrappers(model)
    split = OptimWrapperDict(
        enc_s=wrappers['generators'],
        enc_t=OptimWrapper(torch.optim.SGD(model.enc_t.parameters(), lr=1)),
        gen_s=wrappers['generators'],
        gen_t=wrappers['generators'],
        disc_s=wrappers['disc_s'],
        disc_t=wrappers['disc_t'])
    with pytest.raises(ValueError, match='one optimizer'):
        model.train_step(batch(), split)
    with pytest.raises(ValueError, match='not multiples of 4'):
        model.train_step(batch(size=(62, 64)), wrappers)


def test_segmentor_of_another_architecture_is_refused(tmp_path):
    """M is the previous stage's model: a checkpoint it does not fit exactly
    (here a segmentor of another width) fails at init with the keys
    listed, instead of mmengine's warning and random weights; the fitting
    checkpoint loads every weight."""
    other = MODELS.build(
        tiny_translator_cfg(
            segmentor=dict(
                tiny_translator_cfg().segmentor,
                backbone=dict(
                    type='DeepLabResNet',
                    depth=18,
                    stem_channels=16,
                    base_channels=16,
                    out_indices=(3, )),
                decode_head=dict(
                    tiny_translator_cfg().segmentor.decode_head,
                    in_channels=128))))
    path = str(tmp_path / 'other.pth')
    torch.save({'state_dict': other.state_dict()}, path)
    init = dict(type='Pretrained', checkpoint=path, prefix='segmentor.')
    model = MODELS.build(
        tiny_translator_cfg(
            segmentor=dict(tiny_translator_cfg().segmentor, init_cfg=init)))
    with pytest.raises(ValueError) as err:
        model.init_weights()
    message = str(err.value)
    assert path in message and 'does not fit its architecture' in message
    assert 'of another shape' in message
    assert 'backbone.conv1.weight (16, 3, 7, 7) (network: (64, 3, 7, 7))' \
        in message
    # the fitting checkpoint: no error, M's weights are the checkpoint's
    same = build()
    torch.save({'state_dict': same.state_dict()}, path)
    model = MODELS.build(
        tiny_translator_cfg(
            segmentor=dict(tiny_translator_cfg().segmentor, init_cfg=init)))
    model.init_weights()
    for key, value in same.segmentor.state_dict().items():
        assert torch.equal(model.segmentor.state_dict()[key], value), key

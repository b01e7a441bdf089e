"""GIO-Ada training step: gradient flow, losses, range handling."""
import copy

import pytest
import torch

from udaplug.models.decode_heads.joint_semantic_depth_head import \
    MissingDepthError
from udaplug.models.uda import frozen

C = 4


def _params(net):
    return [p.detach().clone() for p in net.parameters()]


def _grads(net):
    return [
        torch.zeros_like(p) if p.grad is None else p.grad.detach().clone()
        for p in net.parameters()
    ]


def _reference_grads(model, batch):
    """Gradients of Eq. (5) written out directly (no surrogate, no loss
    scaling): G-side losses -> segmentor and generator; D-side losses ->
    discriminators."""
    model.zero_grad()
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    src, tgt = data['source'], data['target']
    with frozen(model.disc_img, model.disc_output):
        fake = model.translate(
            'gen_img', model.generator_input(src['inputs'],
                                             src['data_samples']))
        out = model.segmentor(model.from_tanh_range(fake), mode='outputs')
        sup = model.seg_model.loss_by_outputs(out, src['data_samples'])
        g_loss = sup['decode.loss_ce'] + sup['decode.loss_depth']
        g_loss = g_loss + model.input_loss_weight * model.gan_loss(
            model.disc_img(fake), 'target', is_disc=False)
        tgt_out = model.segmentor(tgt['inputs'], mode='outputs')
        size = tgt['inputs'].shape[2:]
        prob = torch.softmax(
            model.seg_model.resize_to_input(tgt_out['seg'], size), 1)
        depth = model.seg_model.resize_to_input(tgt_out['depth'], size)
        tgt_joint = torch.cat([prob, depth], 1)
        g_loss = g_loss + model.output_loss_weight * model.gan_loss(
            model.disc_output(tgt_joint), 'source', is_disc=False)
        g_loss.backward()
    size = src['inputs'].shape[2:]
    src_joint = torch.cat([
        torch.softmax(model.seg_model.resize_to_input(out['seg'], size), 1),
        model.seg_model.resize_to_input(out['depth'], size)
    ], 1).detach()
    target_img = (tgt['inputs'] * model.data_preprocessor.std +
                  model.data_preprocessor.mean) / 127.5 - 1
    d_loss = 0.5 * (
        model.gan_loss(model.disc_img(fake.detach()), 'source', True) +
        model.gan_loss(model.disc_img(target_img), 'target', True) +
        model.gan_loss(model.disc_output(src_joint), 'source', True) +
        model.gan_loss(model.disc_output(tgt_joint.detach()), 'target', True))
    d_loss.backward()
    grads = {
        name: _grads(getattr(model, name))
        for name in ('segmentor', 'gen_img', 'disc_img', 'disc_output')
    }
    model.zero_grad()
    return grads


@pytest.mark.parametrize('scales', [{}, {'segmentor': 8.0, 'gen_img': 2.0}])
@pytest.mark.parametrize(
    'weights',
    [
        {},  # the paper's lambda_input 0.1, lambda_output 0.001
        # task losses only on the generator side: G_img's gradient is the task
        # guidance alone (small next to the adversarial one otherwise)
        dict(input_loss_weight=0.0, output_loss_weight=0.0),
    ])
def test_gradients_match_eq5(scales, weights, build_gioada, gioada_batch,
                             optim_wrappers):
    """Every network gets exactly the gradient of its side of Eq. (5): the
    task losses reach G_img, discriminator losses reach only the
    discriminators; also under per-optimizer loss scaling."""
    torch.manual_seed(0)
    model = build_gioada(C, **weights)
    batch = gioada_batch(C)
    expected = _reference_grads(model, batch)
    wrappers = optim_wrappers(model, scales=scales)
    log_vars = model.train_step(copy.deepcopy(batch), wrappers)
    assert {
        'decode.loss_ce', 'decode.loss_depth', 'loss_adv_img',
        'loss_adv_output', 'disc_img.loss_source', 'disc_img.loss_target',
        'disc_output.loss_source', 'disc_output.loss_target'
    } <= set(log_vars)
    assert any(r.abs().sum() > 0 for r in expected['gen_img'])
    for name, ref in expected.items():
        got = wrappers[name].recorded
        assert len(got) == len(ref)
        for g, r in zip(got, ref):
            g = torch.zeros_like(r) if g is None else g
            # relative to the tensor's largest entry: the task gradient
            # reaching G_img through the narrow, freshly initialised task
            # network is tiny in absolute terms
            scale = r.abs().max().clamp(min=1e-30)
            torch.testing.assert_close(
                g / scale, r / scale, rtol=1e-4, atol=1e-5)


def test_task_loss_alone_trains_the_generator(build_gioada, gioada_batch,
                                              optim_wrappers):
    torch.manual_seed(0)
    model = build_gioada(
        C, input_loss_weight=0.0, output_level=False, output_alignment=None)
    before = _params(model.gen_img)
    wrappers = optim_wrappers(model)
    model.train_step(gioada_batch(C), wrappers)
    grads = [g for g in wrappers['gen_img'].recorded if g is not None]
    assert grads and sum(g.abs().sum() for g in grads) > 0
    after = _params(model.gen_img)
    assert any(not torch.equal(a, b) for a, b in zip(before, after))


def test_discriminator_step_leaves_task_and_generator_untouched(
        build_gioada, gioada_batch, optim_wrappers):
    torch.manual_seed(0)
    model = build_gioada(C)
    wrappers = optim_wrappers(model)
    data = model.data_preprocessor(gioada_batch(C), True)
    _, cache = model.generator_step(data['source'], data['target'],
                                    wrappers['segmentor'],
                                    {'gen_img': wrappers['gen_img']})
    for wrapper in wrappers.values():
        wrapper.zero_grad()
    frozen_nets = {
        n: _params(getattr(model, n))
        for n in ('segmentor', 'gen_img')
    }
    discs = {
        n: _params(getattr(model, n))
        for n in ('disc_img', 'disc_output')
    }
    model.discriminator_step(
        cache, {n: wrappers[n]
                for n in ('disc_img', 'disc_output')})
    for name in frozen_nets:
        assert all(p.grad is None or not p.grad.any()
                   for p in getattr(model, name).parameters())
    model.step(*wrappers.values())
    for name, before in frozen_nets.items():
        for a, b in zip(before, _params(getattr(model, name))):
            assert torch.equal(a, b), name
    for name, before in discs.items():
        assert any(not torch.equal(a, b)
                   for a, b in zip(before, _params(getattr(model, name))))


def test_missing_depth_fails_on_first_batch_naming_image_and_key(
        build_gioada, gioada_batch, optim_wrappers):
    model = build_gioada(C)
    batch = gioada_batch(C, depth=False)
    with pytest.raises(
            MissingDepthError, match=r'source_0\.png.*gt_depth_map'):
        model.train_step(batch, optim_wrappers(model))


def test_depth_outside_unit_range_names_the_file(build_gioada, gioada_batch,
                                                 optim_wrappers):
    model = build_gioada(C)
    batch = gioada_batch(C)
    sample = batch['source']['data_samples'][0]
    sample.gt_depth_map.data *= 100  # metres instead of [0, 1]
    sample.set_metainfo(dict(depth_map_path='Depth/Depth/0000007.png'))
    with pytest.raises(ValueError, match=r'0000007\.png.*\[0, 1\]'):
        model.train_step(batch, optim_wrappers(model))


def test_image_range_conversions(build_gioada):
    model = build_gioada(C)
    pre = model.data_preprocessor
    raw = torch.tensor([0.0, 127.5, 255.0]).view(1, 1, 1, 3).repeat(1, 3, 1, 1)
    normalised = (raw - pre.mean.view(1, 3, 1, 1)) / pre.std.view(1, 3, 1, 1)
    tanh = model.to_tanh_range(normalised)
    torch.testing.assert_close(tanh[0, :, 0, :],
                               torch.tensor([[-1.0, 0.0, 1.0]] * 3))
    torch.testing.assert_close(model.from_tanh_range(tanh), normalised)
    unit = model.to_unit_rgb(normalised)
    torch.testing.assert_close(unit[0, :, 0, :],
                               torch.tensor([[0.0, 0.5, 1.0]] * 3))
    # bgr_to_rgb=True: inputs are RGB, so no channel flip
    img = torch.zeros(1, 3, 1, 1)
    img[0, 0] = 1.0
    assert model.to_unit_rgb(img, tanh=True)[0, 0, 0, 0] == 1.0


def test_generator_input_layout_and_translation_size(build_gioada,
                                                     gioada_batch):
    model = build_gioada(C)
    data = model.data_preprocessor(gioada_batch(C, source_hw=(30, 42)), True)
    src = data['source']
    gen_in = model.generator_input(src['inputs'], src['data_samples'])
    assert gen_in.shape == (1, 3 + C + 1, 30, 42)
    assert gen_in[:, :3].min() >= -1 - 1e-5 and gen_in[:, :3].max() <= 1 + 1e-5
    label = src['data_samples'][0].gt_sem_seg.data[0]
    onehot = gen_in[0, 3:3 + C]
    valid = label != 255
    torch.testing.assert_close(onehot.argmax(0)[valid], label[valid])
    assert onehot.sum(0)[valid].eq(1).all()
    assert onehot[:, ~valid].eq(0).all()  # ignored pixels: all zeros
    torch.testing.assert_close(gen_in[0, -1],
                               src['data_samples'][0].gt_depth_map.data[0])
    fake = model.translate('gen_img', gen_in)  # 30x42: not a multiple of 4
    assert fake.shape == (1, 3, 30, 42)
    assert fake.abs().max() <= 1
    rgb = model.translate_source(src['inputs'], src['data_samples'])
    assert rgb.shape == (1, 3, 30, 42) and 0 <= rgb.min() <= rgb.max() <= 1


def test_visualization_outputs_of_last_step(build_gioada, gioada_batch,
                                            optim_wrappers):
    model = build_gioada(C)
    assert model.visualization_outputs() == {}
    model.train_step(gioada_batch(C), optim_wrappers(model))
    vis = model.visualization_outputs()
    assert vis['source_image'].shape == (3, 32, 64)
    assert vis['translated_image'].shape == (3, 32, 64)
    assert vis['depth_pred'].shape == (32, 64)
    assert vis['seg_pred'].shape == (32, 64)
    assert vis['seg_pred'].dtype == torch.int64
    assert vis['seg_pred'].max() < C
    for key in ('source_image', 'translated_image'):
        assert 0 <= vis[key].min() and vis[key].max() <= 1


def test_mixed_precision_step_on_cpu(build_gioada, gioada_batch):
    """tools/train.py --amp: every optimizer a MixedPrecisionOptimWrapper
    (bfloat16 autocast on CPU)."""
    from mmengine.optim import OptimWrapperDict

    from udaplug.engine.optimizers import MixedPrecisionOptimWrapper
    torch.manual_seed(0)
    model = build_gioada(C)
    wrappers = OptimWrapperDict(
        **{
            name:
            MixedPrecisionOptimWrapper(
                optimizer=torch.optim.Adam(
                    getattr(model, name).parameters(), lr=2e-4))
            for name in ('segmentor', 'gen_img', 'disc_img', 'disc_output')
        })
    before = _params(model.gen_img)
    log_vars = model.train_step(gioada_batch(C), wrappers)
    assert all(torch.isfinite(v).all() for v in log_vars.values())
    assert any(not torch.equal(a, b)
               for a, b in zip(before, _params(model.gen_img)))

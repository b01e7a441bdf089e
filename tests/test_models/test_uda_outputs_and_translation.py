"""Segmentor outputs for more methods (feature maps, pixel-weighted
losses on pseudo-labels) and the translation plumbing of the UDA core
(padded translation, the task gradient handed to a generator under its own
loss scale, visualisation panels)."""

import pytest
import torch
import torch.nn.functional as F

C = 4


@pytest.fixture
def build(tiny_uda_model):
    """``build(**changes)``: a tiny AdaptSegNet, initialised."""
    return tiny_uda_model


def test_feature_maps_on_request(build):
    model = build()
    x = torch.randn(2, 3, 64, 64)
    out = model.segmentor_outputs(x, features=True)
    feats = model.seg_model.extract_feat(x)
    assert len(out['features']) == len(feats) == 2
    for got, expect in zip(out['features'], feats):
        torch.testing.assert_close(got, expect)
    assert 'features' not in model.segmentor_outputs(x)
    # the features are part of the graph (feature discriminators train
    # the encoder)
    out['features'][-1].sum().backward()
    assert model.seg_model.backbone.conv1.weight.grad is not None


def test_pixel_weighted_losses_on_pseudo_labels(build, seg_sample):
    model = build()
    x = torch.randn(2, 3, 32, 32)
    samples = [seg_sample(32, 32, C, labelled=False) for _ in range(2)]
    labels = torch.randint(0, C, (2, 32, 32))
    labels[:, :4] = 255  # ignored (below a confidence threshold)
    samples = model.with_labels(samples, labels)
    assert samples[0].gt_sem_seg.data.shape == (1, 32, 32)
    out = model.segmentor_outputs(x)
    weight = torch.rand(2, 32, 32)
    losses = model.supervised_losses(out, samples, pixel_weight=weight)
    # by hand: CE per pixel (upsampled logits), times the weight, averaged
    # over the non-ignored pixels (avg_non_ignore=True in the config)
    logits = model.seg_model.resize_to_input(out['seg'], (32, 32))
    ce = F.cross_entropy(logits, labels, ignore_index=255, reduction='none')
    valid = labels != 255
    expect = (ce * weight).sum() / valid.sum()
    torch.testing.assert_close(losses['decode.loss_ce'], expect)
    aux = model.seg_model.resize_to_input(out['aux'], (32, 32))
    ce_aux = F.cross_entropy(aux, labels, ignore_index=255, reduction='none')
    torch.testing.assert_close(losses['aux.loss_ce'],
                               0.1 * (ce_aux * weight).sum() / valid.sum())
    # no weight: mmseg's own loss; the head's sampler is restored
    plain = model.supervised_losses(out, samples)
    torch.testing.assert_close(plain['decode.loss_ce'],
                               (ce * valid).sum() / valid.sum())
    assert model.seg_model.decode_head.sampler is None
    with pytest.raises(ValueError, match='at the size of the labels'):
        model.supervised_losses(
            out, samples, pixel_weight=torch.ones(2, 16, 16))


@pytest.fixture
def gen_model(build):
    """A tiny AdaptSegNet with a small CycleGAN generator ``gen``."""
    gen = dict(
        type='ResnetTransformGenerator',
        in_channels=3,
        base_channels=4,
        num_blocks=1)
    return build(generators=dict(gen=gen))


def test_translate_pads_to_a_multiple_and_crops_back(gen_model):
    model = gen_model
    x = torch.rand(1, 3, 30, 42) * 2 - 1
    out = model.translate('gen', x)
    assert out.shape == (1, 3, 30, 42)
    padded = F.pad(x, (0, 2, 0, 2), mode='reflect')
    torch.testing.assert_close(out, model.gen(padded)[:, :, :30, :42])


@pytest.mark.parametrize('scale', [1.0, 1024.0])
def test_generator_task_loss_gives_the_end_to_end_gradient(
        scale, gen_model, seg_sample):
    """The task gradient reaches the generator as if the task loss were
    back-propagated end to end, whatever the task optimizer's loss scale."""

    class Scaled:
        """An optimizer wrapper whose backward scales like a GradScaler."""

        class loss_scaler:

            @staticmethod
            def is_enabled():
                return True

            @staticmethod
            def get_scale():
                return scale

        def backward(self, loss):
            (loss * scale).backward()

    model = gen_model
    data = model.data_preprocessor(
        dict(
            inputs=[torch.rand(3, 32, 32) * 255],
            data_samples=[seg_sample(32, 32, C)]), True)
    samples = data['data_samples']

    def task_loss(images):
        out = model.segmentor_outputs(images)
        return model.supervised_losses(out, samples)['decode.loss_ce']

    fake = model.translate('gen', model.to_tanh_range(data['inputs']))
    task_loss(model.from_tanh_range(fake)).backward()
    reference = [p.grad.clone() for p in model.gen.parameters()]
    model.zero_grad()

    fake = model.translate('gen', model.to_tanh_range(data['inputs']))
    translated = model.from_tanh_range(fake)
    task_in = model.task_input(translated)
    Scaled().backward(task_loss(task_in))
    assert all(p.grad is None for p in model.gen.parameters())
    model.generator_task_loss(translated, task_in, Scaled()).backward()
    for got, expect in zip(model.gen.parameters(), reference):
        torch.testing.assert_close(got.grad, expect, rtol=1e-4, atol=1e-7)


def test_image_space_round_trip_and_rgb(build):
    model = build()
    pre = model.data_preprocessor
    bgr = torch.rand(1, 3, 4, 4) * 255
    normalised = (bgr - pre.mean.view(1, 3, 1, 1)) / pre.std.view(1, 3, 1, 1)
    tanh = model.to_tanh_range(normalised)
    torch.testing.assert_close(tanh, bgr / 127.5 - 1)
    torch.testing.assert_close(model.from_tanh_range(tanh), normalised)
    # BGR as loaded by mmcv (bgr_to_rgb=False) -> RGB in [0, 1]
    torch.testing.assert_close(
        model.to_unit_rgb(normalised),
        bgr.flip(1) / 255)


def test_recorded_panels_become_visualization_outputs(build):
    model = build()
    assert model.visualization_outputs() == {}
    image = torch.rand(2, 3, 16, 24)
    logits = torch.zeros(2, C, 4, 6)
    logits[:, 2] = 1
    model.record_visualization(
        source_image=(image * 2 - 1, 'tanh'),
        pred=(logits, 'logits'),
        label=(torch.full((2, 16, 24), 3), 'labels'),
        missing=(None, 'rgb'))
    vis = model.visualization_outputs()
    assert list(vis) == ['source_image', 'pred', 'label']
    torch.testing.assert_close(vis['source_image'], image[0].flip(0))
    assert vis['pred'].shape == (16, 24) and vis['pred'].eq(2).all()
    assert vis['label'].eq(3).all()
    with pytest.raises(ValueError, match='kind of x'):
        model.record_visualization(x=(image, 'picture'))

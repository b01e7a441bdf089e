"""The DACS model: pseudo-labels and the confidence weight by hand, ClassMix
of images, labels and weights inside train_step, the teacher's EMA with the
warm-up, the feature distance only on thing classes, dropout of the teacher,
per-iteration/rank random draws, and bad configurations."""
import copy
from types import SimpleNamespace

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from udaplug.engine.hooks import MeanTeacherHook
from udaplug.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

C = 4
IGN = 255


@pytest.fixture(scope='module')
def base(tiny_adaptsegnet_cfg):
    """The tiny AdaptSegNet model config: its segmentor (multi-level
    ResNet-18 DeepLab-v2, 4 classes) and data preprocessor."""
    return tiny_adaptsegnet_cfg(C).model


def dacs_cfg(base, **changes):
    cfg = dict(
        type='DACS',
        data_preprocessor=copy.deepcopy(base.data_preprocessor),
        segmentor=copy.deepcopy(base.segmentor),
        networks=dict(
            teacher=dict(role='ema', ema_of='segmentor', train_mode=True)),
        color_jitter=None,
        blur=None,
        seed=0)
    cfg.update(changes)
    return cfg


def build(base, **changes):
    torch.manual_seed(0)
    model = MODELS.build(dacs_cfg(base, **changes))
    model.init_weights()
    return model.train()


def optim(model):
    return OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(
            type='UDAOptimWrapperConstructor',
            optim_wrapper_cfg=dict(
                segmentor=dict(
                    type='OptimWrapper',
                    optimizer=dict(type='SGD', lr=0.01, momentum=0.9)))))(
                        model)


def sample(h, w, label=None):
    s = SegDataSample()
    if label is not None:
        s.gt_sem_seg = PixelData(data=label[None].long())
    s.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w)))
    return s


def batch(n=2, h=32, w=32, seed=0, labels=None):
    gen = torch.Generator().manual_seed(seed)
    if labels is None:
        labels = torch.randint(0, C, (n, h, w), generator=gen)
        labels[:, :2] = IGN
    return dict(
        source=dict(
            inputs=[
                torch.rand(3, h, w, generator=gen) * 255 for _ in range(n)
            ],
            data_samples=[sample(h, w, labels[i]) for i in range(n)]),
        target=dict(
            inputs=[
                torch.rand(3, h, w, generator=gen) * 255 for _ in range(n)
            ],
            data_samples=[sample(h, w) for _ in range(n)]))


def start(model):
    """What the runner does before the first iteration: the hook copies the
    student into the teacher."""
    hook = MeanTeacherHook(decay=0.99, warmup=True, buffers='copy')
    hook.before_train(SimpleNamespace(model=model, iter=0))
    return hook


def test_pseudo_labels_and_confidence_weight_by_hand(base, monkeypatch):
    model = build(
        base, pseudo_weight_ignore_top=1, pseudo_weight_ignore_bottom=2)
    start(model)
    logits = torch.zeros(2, C, 8, 8)
    logits[0, 2, :, :4] = 10.0  # p = e^10 / (e^10 + 3) > 0.968: confident
    # p = e^4 / (e^4 + 3) = 0.948: below 0.968, not confident
    logits[1, 1, :2, :] = 4.0
    logits[1, 3, 6:, :] = 12.0  # confident
    monkeypatch.setattr(model, 'outputs_of',
                        lambda name, x, **kw: {'seg': logits})
    labels, weight, probs = model.pseudo_labels(torch.zeros(2, 3, 8, 8))
    assert labels[0, :, :4].eq(2).all() and labels[1, 6:].eq(3).all()
    assert labels[1, :2].eq(1).all()
    # 32 + 16 confident pixels of 128, counted over the batch (official)
    fraction = (32 + 16) / 128
    expected = torch.full((2, 8, 8), fraction)
    expected[:, :1] = 0  # pseudo-label crop: top row
    expected[:, -2:] = 0  # and the two bottom rows
    assert torch.allclose(weight, expected)
    # per image (the DAFormer paper's formula)
    model.pseudo_weight_per_image = True
    _, weight, _ = model.pseudo_labels(torch.zeros(2, 3, 8, 8))
    assert weight[0, 3, 0].item() == pytest.approx(32 / 64)
    assert weight[1, 3, 0].item() == pytest.approx(16 / 64)


def test_train_step_mixes_images_labels_and_weights(base, monkeypatch):
    model = build(base)
    start(model)
    data = batch()
    pseudo = torch.randint(
        0, C, (2, 32, 32), generator=torch.Generator().manual_seed(5))
    weight = torch.full((2, 32, 32), 0.25)
    monkeypatch.setattr(model, 'pseudo_labels', lambda x:
                        (pseudo, weight, None))
    seen_inputs, seen_losses = [], []
    real_outputs = model.segmentor_outputs
    real_losses = model.supervised_losses

    def outputs(x, features=False):
        seen_inputs.append(x.detach().clone())
        return real_outputs(x, features=features)

    def losses(out, samples, pixel_weight=None, prefix=''):
        seen_losses.append((samples, pixel_weight, prefix))
        return real_losses(out, samples, pixel_weight, prefix)

    monkeypatch.setattr(model, 'segmentor_outputs', outputs)
    monkeypatch.setattr(model, 'supervised_losses', losses)
    pre = model.data_preprocessor(copy.deepcopy(data), True)
    src_x, tgt_x = pre['source']['inputs'], pre['target']['inputs']
    src_labels = torch.stack(
        [s.gt_sem_seg.data[0] for s in data['source']['data_samples']])
    log = model.train_step(data, optim(model))

    masks = model.mix.masks(src_labels, model._generator(0))
    m = masks.bool()
    assert 0 < m.float().mean() < 1
    assert torch.equal(seen_inputs[0], src_x)
    assert torch.equal(seen_inputs[1], torch.where(m, src_x, tgt_x))
    (src_samples, src_w, src_prefix), (mix_samples, mix_w, mix_prefix) = \
        seen_losses
    assert src_w is None and src_prefix == '' and mix_prefix == 'mix.'
    mixed_labels = torch.stack([s.gt_sem_seg.data[0] for s in mix_samples])
    assert torch.equal(mixed_labels, torch.where(m[:, 0], src_labels, pseudo))
    assert torch.equal(mix_w,
                       torch.where(m[:, 0], torch.ones(2, 32, 32), weight))
    assert {
        'decode.loss_ce', 'aux.loss_ce', 'mix.decode.loss_ce',
        'mix.aux.loss_ce', 'mix.pseudo_weight'
    } <= set(log)
    assert log['mix.pseudo_weight'].item() == pytest.approx(0.25)


def test_teacher_is_the_warmed_up_ema_of_the_student(base):
    model = build(base)
    hook = start(model)
    wrapper = optim(model)
    student, teacher = model.seg_model, model.network('teacher')
    params = [k for k, _ in student.named_parameters()]

    def state(module):
        return {k: v.detach().clone() for k, v in module.named_parameters()}

    expected = state(student)  # the copy before training
    for it in range(3):
        model.train_step(batch(seed=it), wrapper)
        hook.after_train_iter(SimpleNamespace(model=model, iter=it), it)
        alpha = min(1 - 1 / (it + 2), 0.99)  # t = it + 1 updates so far
        now = state(student)
        expected = {
            k: alpha * expected[k] + (1 - alpha) * now[k]
            for k in params
        }
        got = state(teacher)
        for k in params:
            torch.testing.assert_close(got[k], expected[k])
    assert any(not torch.equal(state(teacher)[k],
                               state(student)[k]) for k in params)


def tiny_mit(**kw):
    cfg = dict(
        type='MixVisionTransformer',
        embed_dims=8,
        num_layers=[1, 1, 1, 1],
        num_heads=[1, 2, 2, 2],
        sr_ratios=[8, 4, 2, 1],
        drop_path_rate=0.0)
    cfg.update(kw)
    return cfg


def daformer_cfg(base, **changes):
    seg = dict(
        type='MultiOutputEncoderDecoder',
        backbone=tiny_mit(),
        decode_head=dict(
            type='DAFormerHead',
            in_channels=[8, 16, 16, 16],
            in_index=[0, 1, 2, 3],
            channels=8,
            embed_dims=8,
            dropout_ratio=0.1,
            num_classes=C,
            norm_cfg=dict(type='BN'),
            align_corners=False,
            fusion_dilations=(1, 2),
            loss_decode=dict(type='CrossEntropyLoss')),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))
    cfg = dacs_cfg(
        base,
        data_preprocessor=dict(
            type='UDADataPreProcessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True,
            seg_pad_val=IGN),
        segmentor=seg,
        networks=dict(
            teacher=dict(role='ema', ema_of='segmentor', train_mode=True),
            imnet=dict(tiny_mit(), role='frozen')),
        feature_distance=dict(
            type='ImageNetFeatureDistanceLoss',
            loss_weight=0.005,
            classes=[2, 3],
            min_ratio=0.75,
            num_classes=C),
        feature_distance_network='imnet',
        mix=dict(type='ClassMix', class_pool='batch'),
        pseudo_weight_ignore_top=2,
        pseudo_weight_ignore_bottom=4)
    cfg.update(changes)
    return cfg


@pytest.mark.parametrize('things', [False, True])
def test_feature_distance_only_on_thing_classes(base, things):
    torch.manual_seed(0)
    model = MODELS.build(daformer_cfg(base))
    model.init_weights()
    model.train()
    start(model)
    labels = torch.zeros(2, 64, 64, dtype=torch.long)
    labels[:, 32:] = 1
    if things:
        labels[0, :32, :32] = 2  # two 32x32 blocks = two 1/32 cells
        labels[1, 32:, 32:] = 3
    data = batch(h=64, w=64, labels=labels)
    pre = model.data_preprocessor(copy.deepcopy(data), True)
    with torch.no_grad():
        feats = model.seg_model.extract_feat(pre['source']['inputs'])
        frozen = model.network('imnet')(pre['source']['inputs'])
    log = model.train_step(data, optim(model))
    value = log['src.loss_imnet_feat_dist'].item()
    if not things:
        assert value == 0.0
        return
    dist = torch.norm(feats[-1] - frozen[-1], dim=1)  # (2, 2, 2)
    expected = 0.005 * (dist[0, 0, 0] + dist[1, 1, 1]) / 2
    assert value == pytest.approx(expected.item(), rel=1e-4)
    # the frozen encoder did not move, the student did
    after = model.network('imnet')(pre['source']['inputs'])
    assert torch.equal(after[-1], frozen[-1])


def test_teacher_dropout_off_and_bn_on_batch_statistics(base):
    torch.manual_seed(0)
    model = MODELS.build(daformer_cfg(base))
    model.train()
    teacher = model.network('teacher')
    assert teacher.training  # train_mode=True: BN on batch statistics
    assert not teacher.decode_head.dropout.training
    assert model.seg_model.decode_head.dropout.training
    assert not model.network('imnet').training
    model.teacher_dropout = True
    model.train()
    assert teacher.decode_head.dropout.training


def test_draws_differ_per_iteration_and_rank(base, monkeypatch):
    import udaplug.models.segmentors.dacs as dacs_module
    model = build(base)

    def draw(it):
        return torch.rand(4, generator=model._generator(it))

    assert torch.equal(draw(3), draw(3))
    assert not torch.equal(draw(3), draw(4))
    monkeypatch.setattr(dacs_module, 'get_rank', lambda: 1)
    rank1 = draw(3)
    monkeypatch.setattr(dacs_module, 'get_rank', lambda: 0)
    assert not torch.equal(rank1, draw(3))


def test_bad_configurations(base):
    with pytest.raises(ValueError, match='mean teacher "teacher"'):
        MODELS.build(dacs_cfg(base, networks=dict()))
    with pytest.raises(ValueError, match='role="frozen"'):
        MODELS.build(daformer_cfg(base, feature_distance_network=None))
    with pytest.raises(ValueError, match='num_classes=19'):
        MODELS.build(
            daformer_cfg(
                base,
                feature_distance=dict(
                    type='ImageNetFeatureDistanceLoss', num_classes=19)))
    model = build(base)
    start(model)
    data = batch()
    data['target']['inputs'] = [torch.rand(3, 32, 48) * 255] * 2
    data['target']['data_samples'] = [sample(32, 48)] * 2
    with pytest.raises(ValueError, match='same size'):
        model.train_step(data, optim(model))


def test_strong_augmentation_changes_only_the_mixed_batch(base):
    model = build(
        base,
        color_jitter=dict(type='BatchColorJitter', strength=0.25, prob=1.0),
        blur=dict(type='BatchGaussianBlur', prob=1.0))
    x = torch.randn(2, 3, 32, 32)
    out = model.strong_augment(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and not torch.allclose(out, x)
    again = model.strong_augment(x, torch.Generator().manual_seed(0))
    assert torch.equal(out, again)

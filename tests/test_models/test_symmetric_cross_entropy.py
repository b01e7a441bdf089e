"""SymmetricCrossEntropyLoss against hand computations (Wang et al., ICCV
2019; hard and soft targets)."""
import math

import pytest
import torch

from udaplug.registry import MODELS


def build(**kwargs):
    return MODELS.build(dict(type='SymmetricCrossEntropyLoss', **kwargs))


def test_hard_targets_by_hand():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]])
    # (N=1, C=3, H=1, W=2): pixel 0 label 0, pixel 1 label 2
    logits = logits.t().reshape(1, 3, 1, 2)
    label = torch.tensor([[[0, 2]]])
    p = torch.softmax(logits, 1)[0, :, 0]  # (3, 2)
    a = math.log(1e-4)
    ce = [-math.log(p[0, 0]), -math.log(p[2, 1])]
    rce = [-a * (1 - p[0, 0]), -a * (1 - p[2, 1])]
    expect = sum(0.1 * c + 1.0 * r for c, r in zip(ce, rce)) / 2
    loss = build()(logits, label)
    assert loss.item() == pytest.approx(float(expect), rel=1e-5)


def test_ignored_pixels_and_pixel_weights():
    torch.manual_seed(0)
    logits = torch.randn(2, 4, 3, 3)
    label = torch.randint(0, 4, (2, 3, 3))
    sce = build(alpha=0.5, beta=2.0)
    per_pixel, _ = sce.pixel_loss(logits, label)
    masked = label.clone()
    masked[0, 0] = 255
    valid = masked != 255
    expect = (per_pixel * valid).sum() / valid.sum()
    torch.testing.assert_close(sce(logits, masked), expect)
    weight = torch.rand(2, 3, 3)
    torch.testing.assert_close(
        sce(logits, label, weight=weight), (per_pixel * weight).mean())
    # averaged over all pixels when avg_non_ignore=False
    torch.testing.assert_close(
        build(alpha=0.5, beta=2.0, avg_non_ignore=False)(logits, masked),
        (per_pixel * valid).sum() / label.numel())


def test_soft_targets_by_hand():
    """alpha = beta = 1 with q = softmax of another prediction: Musto &
    Zinelli's -q log p - p log q."""
    torch.manual_seed(1)
    logits = torch.randn(1, 3, 2, 2)
    q = torch.softmax(torch.randn(1, 3, 2, 2), 1)
    p = torch.softmax(logits, 1)
    expect = (-(q * p.log()).sum(1) - (p * q.log()).sum(1)).mean()
    got = build(alpha=1.0, beta=1.0)(logits, q)
    torch.testing.assert_close(got, expect)
    # the gradient reaches the prediction only
    logits.requires_grad_()
    build(alpha=1.0, beta=1.0)(logits, q).backward()
    assert logits.grad.abs().sum() > 0


def test_equals_hard_when_the_soft_target_is_one_hot():
    torch.manual_seed(2)
    logits = torch.randn(2, 5, 4, 4)
    label = torch.randint(0, 5, (2, 4, 4))
    onehot = torch.nn.functional.one_hot(label, 5).permute(0, 3, 1, 2)
    sce = build()
    torch.testing.assert_close(
        sce(logits, onehot.float()), sce(logits, label), rtol=1e-5, atol=1e-6)


def test_usable_as_an_mmseg_decode_loss():
    head = MODELS.build(
        dict(
            type='FCNHead',
            in_channels=8,
            channels=8,
            num_convs=1,
            num_classes=3,
            loss_decode=dict(type='SymmetricCrossEntropyLoss')))
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    sample = SegDataSample(
        gt_sem_seg=PixelData(data=torch.randint(0, 3, (1, 8, 8))))
    sample.set_metainfo(dict(img_shape=(8, 8)))
    losses = head.loss_by_feat(head([torch.randn(1, 8, 4, 4)]), [sample])
    assert 'loss_sce' in losses and torch.isfinite(losses['loss_sce'])


def test_soft_target_shape_is_checked():
    with pytest.raises(ValueError, match='shape of the logits'):
        build()(torch.randn(1, 3, 2, 2), torch.rand(1, 4, 2, 2))

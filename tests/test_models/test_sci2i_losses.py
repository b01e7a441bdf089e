"""Brehm et al.'s losses: the class-aware adversarial loss (Eq. 2-6) and the
softmax consistency loss (Eq. 12), against hand computations."""
import math

import pytest
import torch

from udaplug.models.losses import (ClassAwareAdversarialLoss,
                                   SoftmaxConsistencyLoss)
from udaplug.registry import MODELS

# N=1, |C|=2: a domain map and two class maps over 1x3 pixels.
PRED = torch.tensor([[[[0.2, 0.5, -1.0]], [[0.1, 0.7, 0.3]], [[0.4, -0.2,
                                                               0.9]]]])
LABELS = torch.tensor([[[0, 1, 255]]])


def softplus(x):
    return math.log1p(math.exp(x))


def test_lsgan_by_hand():
    loss = MODELS.build(
        dict(type='ClassAwareAdversarialLoss', class_weight=0.3))
    # real (target, 1): domain ((0.2-1)^2 + (0.5-1)^2 + (-1-1)^2) / 3;
    # class: (0.1-1)^2 at pixel 0 (class 0) + (-0.2-1)^2 at pixel 1 (class
    # 1), pixel 2 ignored, / 3 pixels / |C| = 2, times lambda_cgan = 0.3.
    expected = (0.64 + 0.25 + 4.0) / 3 + 0.3 * (0.81 + 1.44) / 3 / 2
    assert loss(PRED, 'target', True, labels=LABELS).item() == \
        pytest.approx(expected)
    # fake (source, 0)
    expected = (0.04 + 0.25 + 1.0) / 3 + 0.3 * (0.01 + 0.04) / 3 / 2
    assert loss(PRED, 'source', True, labels=LABELS).item() == \
        pytest.approx(expected)
    # the generator side is the same loss towards "target" (Eq. 3, 5)
    assert loss(PRED, 'target', False, labels=LABELS).item() == \
        pytest.approx(loss(PRED, 'target', True, labels=LABELS).item())


def test_vanilla_by_hand():
    loss = ClassAwareAdversarialLoss(gan_type='vanilla', class_weight=0.5)
    # BCE with logits towards 1: softplus(-x)
    domain = (softplus(-0.2) + softplus(-0.5) + softplus(1.0)) / 3
    cls = (softplus(-0.1) + softplus(0.2)) / 3 / 2
    assert loss(PRED, 'target', True, labels=LABELS).item() == \
        pytest.approx(domain + 0.5 * cls)
    # towards 0: softplus(x)
    domain = (softplus(0.2) + softplus(0.5) + softplus(-1.0)) / 3
    cls = (softplus(0.1) + softplus(-0.2)) / 3 / 2
    assert loss(PRED, 'source', True, labels=LABELS).item() == \
        pytest.approx(domain + 0.5 * cls)


def test_class_mask():
    loss = ClassAwareAdversarialLoss(class_weight=1.0)
    base = loss(PRED, 'target', True, labels=LABELS)
    for channel, pixel, changes in ((2, 0, False), (1, 1, False), (1, 2,
                                                                   False),
                                    (2, 2, False), (1, 0, True), (2, 1, True)):
        pred = PRED.clone()
        pred[0, channel, 0, pixel] += 1.0
        changed = not torch.isclose(
            loss(pred, 'target', True, labels=LABELS), base)
        assert changed == changes, (channel, pixel)
    # the gradient reaches exactly the labelled class maps
    pred = PRED.clone().requires_grad_()
    loss(pred, 'target', True, labels=LABELS).backward()
    grad = pred.grad[0, 1:, 0]
    assert (grad != 0).tolist() == [[True, False, False], [False, True, False]]


def test_dict_output_weight_override_and_no_labels():
    loss = ClassAwareAdversarialLoss(class_weight=0.3)
    out = dict(gan=PRED, seg=torch.zeros(1, 2, 1, 3))
    assert torch.equal(
        loss(out, 'target', True, labels=LABELS),
        loss(PRED, 'target', True, labels=LABELS))
    domain_only = loss(PRED, 'target', True, class_weight=0.)
    assert domain_only.item() == pytest.approx((0.64 + 0.25 + 4.0) / 3)
    assert loss(
        PRED, 'target', True, labels=LABELS,
        class_weight=0.).item() == pytest.approx(domain_only.item())
    with pytest.raises(ValueError, match='needs labels'):
        loss(PRED, 'target', True)


def test_bad_labels_and_domains():
    loss = ClassAwareAdversarialLoss()
    with pytest.raises(ValueError, match=r'label values \[2, 7\]'):
        loss(PRED, 'target', True, labels=torch.tensor([[[2, 7, 0]]]))
    with pytest.raises(ValueError, match='do not match'):
        loss(PRED, 'target', True, labels=torch.zeros(1, 2, 3).long())
    with pytest.raises(ValueError, match='domain'):
        loss(PRED, 'real', True, labels=LABELS)
    with pytest.raises(ValueError, match='gan_type'):
        ClassAwareAdversarialLoss(gan_type='hinge')
    with pytest.raises(KeyError, match='"gan"'):
        loss(dict(seg=PRED), 'target', True, labels=LABELS)


def test_consistency_loss_by_hand():
    loss = SoftmaxConsistencyLoss()
    student = torch.tensor([[[[0.0, 1.0]], [[0.0, -1.0]]]], requires_grad=True)
    teacher = torch.tensor([[[[2.0, 0.0]], [[0.0, 0.0]]]], requires_grad=True)
    # pixel 0: student (0.5, 0.5), teacher (s, 1 - s), s = sigmoid(2)
    s = 1 / (1 + math.exp(-2))
    p0 = 2 * (0.5 - s)**2
    # pixel 1: student (t, 1 - t), t = sigmoid(2); teacher (0.5, 0.5)
    p1 = 2 * (s - 0.5)**2
    value = loss(student, teacher)
    assert value.item() == pytest.approx((p0 + p1) / 2)
    value.backward()
    assert teacher.grad is None  # the teacher is a constant target
    assert student.grad.abs().sum() > 0
    weighted = loss(student, teacher, weight=torch.tensor([[[1.0, 0.0]]]))
    assert weighted.item() == pytest.approx(p0 / 2)
    with pytest.raises(ValueError, match='differ in shape'):
        loss(student, teacher[:, :, :, :1])

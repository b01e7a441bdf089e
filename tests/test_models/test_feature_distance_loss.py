"""The thing-class ImageNet feature distance: label downscaling, the mask,
the value and its gradient by hand, only thing classes count, the ramp."""
import pytest
import torch

from udaplug.models.losses import downscale_label_ratio
from udaplug.registry import MODELS

IGN = 255


def test_downscale_label_ratio_by_hand():
    labels = torch.tensor([[
        [1, 1, 1, 1, 1, 1, IGN, IGN],
        [1, 1, 1, 2, 2, 2, IGN, 1],
    ]])
    out = downscale_label_ratio(labels, 2, 0.75, num_classes=3)
    # blocks: all 1 -> 1; three 1s -> 1 (share 0.75); two 1s, two 2s ->
    # ignore (share 0.5); three ignores -> ignore
    assert out.shape == (1, 1, 1, 4)
    assert out.flatten().tolist() == [1, 1, IGN, IGN]
    out = downscale_label_ratio(labels, 2, 0.5, num_classes=3)
    assert out.flatten().tolist() == [1, 1, 1, IGN]  # tie: lower class id


def make_loss(**kw):
    cfg = dict(
        type='ImageNetFeatureDistanceLoss',
        loss_weight=0.005,
        classes=[6, 7, 11, 12, 13, 14, 15, 16, 17, 18],
        min_ratio=0.75,
        num_classes=19)
    cfg.update(kw)
    return MODELS.build(cfg)


def features_and_labels():
    # 1 image, 2 channels, 2x2 feature cells, labels 8x8 (scale factor 4)
    frozen = torch.zeros(1, 2, 2, 2)
    student = torch.zeros(1, 2, 2, 2)
    student[0, :, 0, 0] = torch.tensor([3., 4.])  # distance 5, car cell
    student[0, :, 0, 1] = torch.tensor([6., 8.])  # distance 10, road cell
    student[0, :, 1, 0] = torch.tensor([0., 1.])  # distance 1, person cell
    student[0, :, 1, 1] = torch.tensor([1., 0.])  # distance 1, mixed cell
    labels = torch.zeros(1, 8, 8, dtype=torch.long)
    labels[0, :4, :4] = 13  # car
    labels[0, :4, 4:] = 0  # road (stuff)
    labels[0, 4:, :4] = 11  # person
    labels[0, 4:, 4:6] = 13  # half car, half sky: share 0.5 < 0.75
    labels[0, 4:, 6:] = 10
    return student, frozen, labels


def test_only_thing_classes_count():
    loss = make_loss()
    student, frozen, labels = features_and_labels()
    mask = loss.thing_mask(labels, (2, 2))
    assert mask.flatten().tolist() == [True, False, True, False]
    value = loss([student], [frozen], labels)
    assert value.item() == pytest.approx(0.005 * (5 + 1) / 2)
    # all classes: every cell
    full = make_loss(classes=None)
    assert full(student, frozen).item() == pytest.approx(0.005 * 17 / 4)


def test_gradient_by_hand():
    loss = make_loss(loss_weight=1.0)
    student, frozen, labels = features_and_labels()
    student.requires_grad_(True)
    loss(student, frozen, labels).backward()
    expected = torch.zeros_like(student)
    # d/df ||f - g|| = (f - g) / ||f - g||, averaged over the 2 thing cells
    expected[0, :, 0, 0] = torch.tensor([3., 4.]) / 5 / 2
    expected[0, :, 1, 0] = torch.tensor([0., 1.]) / 1 / 2
    assert torch.allclose(student.grad, expected)


def test_no_thing_pixel_gives_zero_not_nan():
    loss = make_loss()
    student, frozen, _ = features_and_labels()
    student.requires_grad_(True)
    value = loss(student, frozen, torch.zeros(1, 8, 8, dtype=torch.long))
    assert value.item() == 0.0
    value.backward()
    assert torch.equal(student.grad, torch.zeros_like(student))


def test_linear_ramp_and_last_feature_by_default():
    loss = make_loss(ramp_iters=100)
    assert loss.weight_at(0) == 0.0
    assert loss.weight_at(25) == pytest.approx(0.005 * 0.25)
    assert loss.weight_at(500) == pytest.approx(0.005)
    assert make_loss().weight_at(0) == pytest.approx(0.005)
    student, frozen, labels = features_and_labels()
    other = torch.ones(1, 2, 4, 4)
    value = make_loss()([other, student], [other * 0, frozen], labels)
    assert value.item() == pytest.approx(0.005 * 3)


def test_grid_resized_to_odd_feature_sizes_and_bad_input():
    loss = make_loss()
    labels = torch.full((1, 8, 8), 13)
    # a 3x3 feature map of an 8x8 label: scale 2 -> 4x4 grid -> 3x3
    assert loss.thing_mask(labels, (3, 3)).shape == (1, 1, 3, 3)
    with pytest.raises(ValueError, match='not among'):
        make_loss(classes=[19])
    with pytest.raises(ValueError, match='labels are needed'):
        loss(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, 2))

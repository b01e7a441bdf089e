"""class_colour_means / class_colour_distance against hand computations."""
import math

import pytest
import torch

from udaplug.visualization import class_colour_distance, class_colour_means


def _set():
    # two 1x2x3 images (C=1 for readable sums, then RGB below)
    images = torch.tensor([[[[1., 2., 3.], [4., 5., 6.]]],
                           [[[7., 8., 9.], [10., 11., 12.]]]])
    labels = torch.tensor([[[0, 0, 1], [1, 255, 2]], [[0, 1, 1], [7, 2, 2]]])
    return images, labels


def test_means_and_counts_by_hand():
    images, labels = _set()
    means, counts = class_colour_means(images, labels, num_classes=4)
    # class 0: 1, 2, 7; class 1: 3, 4, 8, 9; class 2: 6, 11, 12; class 3:
    # none (255 is ignored, 7 is outside the 4 classes)
    assert counts.tolist() == [3, 4, 3, 0]
    assert means[:3, 0].tolist() == pytest.approx([10 / 3, 24 / 4, 29 / 3])
    assert math.isnan(means[3, 0].item())


def test_distance_is_the_mean_euclidean_gap_over_shared_classes():
    labels = torch.tensor([[[0, 0, 1, 1, 2, 2]]])
    # RGB: class 0 red-ish, class 1 green, class 2 blue
    images = torch.tensor([[[10., 10., 0., 0., 0., 0.],
                            [0., 0., 20., 20., 0., 0.],
                            [0., 0., 0., 0., 5., 5.]]])[:, :, None]
    ref = images.clone()
    ref[0, 0, 0, :2] = 13  # class 0: +3 in R
    ref[0, 1, 0, :2] = 4  # class 0: +4 in G -> gap 5
    ref[0, 2, 0, 4:] = 17  # class 2: +12 in B -> gap 12
    out = class_colour_distance(images, labels, ref, labels, num_classes=3)
    assert out['classes'] == [0, 1, 2]
    assert out['per_class'].tolist() == pytest.approx([5, 0, 12])
    assert out['distance'] == pytest.approx(17 / 3)
    # a class too rare in one set is left out: class 2 has 2 pixels
    rare = class_colour_distance(
        images, labels, ref, labels, num_classes=3, min_pixels=3)
    assert rare['classes'] == [] and math.isnan(rare['distance'])
    # a class missing from the reference is left out too
    ref_labels = labels.clone()
    ref_labels[ref_labels == 1] = 255
    missing = class_colour_distance(
        images, labels, ref, ref_labels, num_classes=3)
    assert missing['classes'] == [0, 2]
    assert missing['distance'] == pytest.approx((5 + 12) / 2)
    assert math.isnan(missing['per_class'][1].item())


def test_a_colour_shift_moves_the_distance_identical_sets_give_zero():
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(4, 3, 8, 8, generator=gen)
    labels = torch.randint(0, 5, (4, 8, 8), generator=gen)
    same = class_colour_distance(images, labels, images, labels, 5)
    assert same['distance'] == pytest.approx(0, abs=1e-12)
    # adding the same (dr, dg, db) to every pixel moves every class by it
    shift = torch.tensor([3., 0., 4.])[None, :, None, None]
    moved = class_colour_distance(images + shift, labels, images, labels, 5)
    assert moved['per_class'].tolist() == pytest.approx([5.] * 5)


def test_mismatched_shapes_are_named():
    with pytest.raises(ValueError, match=r'\(2, 3, 4, 4\) and \(2, 4, 5\)'):
        class_colour_means(torch.zeros(2, 3, 4, 4), torch.zeros(2, 4, 5), 3)
    with pytest.raises(ValueError, match='3 channels, the reference 1'):
        class_colour_distance(
            torch.zeros(1, 3, 2, 2), torch.zeros(1, 2, 2),
            torch.zeros(1, 1, 2, 2), torch.zeros(1, 2, 2), 2)

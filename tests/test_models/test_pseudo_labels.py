"""Pseudo-label math against hand computations on tiny tensors."""
import numpy as np
import pytest
import torch

from udaplug.models.uda.pseudo_labels import (ClassThresholdHistogram,
                                              class_thresholds,
                                              confidence_fraction,
                                              confidence_fraction_weight,
                                              confidence_pseudo_labels)


def probs_of(labels, confs, num_classes):
    """(1, C, 1, P) probabilities: pixel p has class ``labels[p]`` with
    probability ``confs[p]``, the rest shared by the other classes."""
    labels = torch.as_tensor(labels)
    confs = torch.as_tensor(confs, dtype=torch.float32)
    rest = (1 - confs) / (num_classes - 1)
    probs = rest[None].repeat(num_classes, 1)
    probs[labels, torch.arange(len(labels))] = confs
    return probs[None, :, None, :]


# (1, 3, 1, 4): arg-max classes 0, 1, 2, 2 with confidences .7 .95 .4 .9
PROBS = torch.tensor([[0.7, 0.05, 0.3, 0.1], [0.2, 0.95, 0.3, 0.0],
                      [0.1, 0.0, 0.4, 0.9]])[None, :, None, :]


def test_fixed_threshold():
    labels = confidence_pseudo_labels(PROBS, 0.9)
    assert labels.shape == (1, 1, 4) and labels.dtype == torch.long
    # 0.9 itself is kept (>=, Musto & Zinelli Eq. 9)
    assert labels.flatten().tolist() == [255, 1, 255, 2]
    assert confidence_pseudo_labels(PROBS).flatten().tolist() == [0, 1, 2, 2]
    assert confidence_pseudo_labels(
        PROBS, 0.5, ignore_index=-1).flatten().tolist() == [0, 1, -1, 2]


def test_class_wise_threshold_uses_the_predicted_class():
    labels = confidence_pseudo_labels(PROBS, [0.6, 0.99, 0.35])
    # .7 >= .6 (class 0); .95 < .99 (class 1); .4, .9 >= .35 (class 2)
    assert labels.flatten().tolist() == [0, 255, 2, 2]


def test_threshold_errors():
    with pytest.raises(ValueError, match='expected 3 values'):
        confidence_pseudo_labels(PROBS, [0.5, 0.5])
    with pytest.raises(ValueError, match=r'in \[0, 1\]'):
        confidence_pseudo_labels(PROBS, 1.5)
    with pytest.raises(ValueError, match=r'\(N, C, H, W\)'):
        confidence_pseudo_labels(PROBS[0], 0.5)


# BDL (SSL.py): per class, sorted confidences x, threshold x[round(n/2)]
# with numpy's round half to even, 0 for an empty class, capped at 0.9.
BDL_LABELS = [0] * 4 + [1] * 3 + [2] * 5 + [4]
BDL_CONFS = [
    0.8,
    0.5,
    0.7,
    0.6,  # class 0: n=4, index 2 -> 0.7
    0.99,
    0.95,
    0.97,  # class 1: n=3, index round(1.5)=2 -> 0.99
    0.6,
    0.4,
    0.55,
    0.45,
    0.5,  # class 2: n=5, round(2.5)=2 -> .5
    0.8
]  # class 4: n=1, index 0 -> 0.8; class 3: none -> 0


def test_bdl_class_thresholds_by_hand():
    probs = probs_of(BDL_LABELS, BDL_CONFS, 5)
    expected = torch.tensor([0.7, 0.9, 0.5, 0.0, 0.8])  # 0.99 capped
    torch.testing.assert_close(class_thresholds(probs), expected)
    uncapped = class_thresholds(probs, cap=None)
    torch.testing.assert_close(uncapped,
                               torch.tensor([0.7, 0.99, 0.5, 0.0, 0.8]))
    kept = confidence_pseudo_labels(probs, class_thresholds(probs))
    # class 0 keeps .8 .7; class 1 all (>= .9); class 2 .6 .55 .5; class 4
    assert kept.flatten().tolist() == [
        0, 255, 0, 255, 1, 1, 1, 2, 255, 2, 255, 2, 4
    ]


def bdl_reference(probs: torch.Tensor, cap=0.9) -> np.ndarray:
    """SSL.py's loop, in numpy."""
    p = probs.permute(0, 2, 3, 1).reshape(-1, probs.shape[1]).numpy()
    label, prob = p.argmax(1), p.max(1)
    thres = []
    for c in range(probs.shape[1]):
        x = np.sort(prob[label == c])
        thres.append(x[int(np.round(len(x) * 0.5))] if len(x) else 0)
    thres = np.array(thres)
    thres[thres > cap] = cap
    return thres


def test_streaming_histogram_matches_bdl():
    gen = torch.Generator().manual_seed(0)
    batches = [
        torch.softmax(3 * torch.randn(2, 6, 9, 7, generator=gen), dim=1)
        for _ in range(3)
    ]
    everything = torch.cat(batches)
    exact = torch.from_numpy(bdl_reference(everything)).float()
    torch.testing.assert_close(class_thresholds(everything), exact)
    bins = 1 << 16
    hist = ClassThresholdHistogram(6, bins=bins)
    for batch in batches:
        hist.update(batch)
    streamed = hist.thresholds()
    # the lower edge of the bin holding BDL's value: at most 1/bins below
    assert (streamed <= exact + 1e-7).all()
    assert (exact - streamed < 1.0 / bins).all()
    conf, labels = everything.max(dim=1)
    assert hist.pixels_per_class.tolist() == torch.bincount(
        labels.flatten(), minlength=6).tolist()
    # one image at a time gives the same histogram
    single = ClassThresholdHistogram(6, bins=bins)
    for image in everything:
        single.update(image)
    assert torch.equal(single.counts, hist.counts)


def test_histogram_exact_on_bin_edges():
    # confidences on multiples of 1/4 are bin edges of 4 bins
    probs = probs_of([0, 0, 0, 0, 1, 1], [0.5, 0.75, 0.75, 1.0, 0.5, 0.5], 3)
    hist = ClassThresholdHistogram(3, bins=4, cap=None)
    hist.update(probs)
    # class 0: n=4, index 2 of (.5 .75 .75 1) -> .75; class 1 -> .5
    assert hist.thresholds().tolist() == [0.75, 0.5, 0.0]
    assert hist.thresholds().tolist() == class_thresholds(
        probs, cap=None).tolist()
    with pytest.raises(ValueError, match='built for 2 classes'):
        ClassThresholdHistogram(2).update(probs)


def test_confidence_fraction_daformer():
    # image 0: 3 of 4 pixels reach 0.968 (0.968 itself counts: ge);
    # image 1: 1 of 4 (0.95 is below the threshold)
    confs = [[0.99, 0.968, 0.97, 0.5], [0.99, 0.6, 0.7, 0.95]]
    probs = torch.cat([probs_of([0, 1, 0, 1], c, 2) for c in confs])
    probs = probs.reshape(2, 2, 2, 2)  # 2 x 2 pixels per image
    # the official code: one fraction for the whole batch, 4 / 8
    torch.testing.assert_close(
        confidence_fraction(probs), torch.tensor([0.5, 0.5]))
    torch.testing.assert_close(
        confidence_fraction(probs, per_image=True), torch.tensor([0.75, 0.25]))
    weight = confidence_fraction_weight(probs, per_image=True)
    assert weight.shape == (2, 2, 2)
    torch.testing.assert_close(weight[0], torch.full((2, 2), 0.75))
    cropped = confidence_fraction_weight(probs, ignore_top=1)
    torch.testing.assert_close(cropped[:, 0], torch.zeros(2, 2))
    torch.testing.assert_close(cropped[:, 1], torch.full((2, 2), 0.5))
    bottom = confidence_fraction_weight(probs, ignore_bottom=1)
    torch.testing.assert_close(bottom[:, 1], torch.zeros(2, 2))
    torch.testing.assert_close(bottom[:, 0], torch.full((2, 2), 0.5))

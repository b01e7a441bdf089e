"""high_frequency_fraction against spectra computed by hand."""
import math

import pytest
import torch

from udaplug.visualization import high_frequency_fraction


def _cosine(fy: float, fx: float, h: int = 16, w: int = 32) -> torch.Tensor:
    y = torch.arange(h, dtype=torch.float64)[:, None]
    x = torch.arange(w, dtype=torch.float64)[None]
    return torch.cos(2 * math.pi * (fy * y + fx * x))


def test_pure_frequencies():
    # a period-2 checkerboard sits at Nyquist: all of its power is high
    checker = _cosine(0.5, 0.5)[None, None]
    assert high_frequency_fraction(checker).item() == pytest.approx(1.0)
    # a period-8 wave in x, constant in y: none of it is
    slow = _cosine(0, 1 / 8)[None, None]
    assert high_frequency_fraction(slow).item() == pytest.approx(0.0, abs=1e-9)
    # a cutoff above 1/4 cycles per pixel in y only: period 3 is high
    assert high_frequency_fraction(_cosine(1 / 4 + 1 / 16, 0)[None, None]) \
        .item() == pytest.approx(1.0)


def test_mixture_weights_power_by_amplitude_squared():
    # a^2 / (a^2 + b^2) of the variance is high-frequency, per channel and
    # averaged over the batch: (1 * 9 + 1 * 1) / (1 * (9 + 1) + 1 * (1 + 4))
    lo, hi = _cosine(0, 1 / 8), _cosine(0, 3 / 8)
    first = torch.stack([3 * hi + lo, hi + 2 * lo])  # two channels
    power_hi = 9 + 1
    power_all = (9 + 1) + (1 + 4)
    assert high_frequency_fraction(first).item() == pytest.approx(power_hi /
                                                                  power_all)
    # the mean (DC) does not count; a constant image has no AC power
    assert high_frequency_fraction(first + 5).item() == pytest.approx(
        power_hi / power_all)
    assert high_frequency_fraction(torch.ones(1, 3, 8, 8)).item() == 0


def test_white_noise_and_bad_input():
    torch.manual_seed(0)
    # white noise: the share of non-DC frequencies with |fy| or |fx| above
    # 1/4, here 1 - 33 * 65 / (64 * 128) of 64 * 128 - 1 (about 0.74)
    noise = high_frequency_fraction(torch.randn(8, 3, 64, 128)).item()
    high_bins = 64 * 128 - 33 * 65
    assert noise == pytest.approx(high_bins / (64 * 128 - 1), abs=0.01)
    with pytest.raises(ValueError, match='cutoff'):
        high_frequency_fraction(torch.zeros(1, 1, 4, 4), cutoff=0.5)
    with pytest.raises(ValueError, match=r'\(N, C, H, W\)'):
        high_frequency_fraction(torch.zeros(4, 4))


def test_power_sums_over_batches_give_the_whole_sets_fraction():
    from udaplug.visualization import high_frequency_power
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(5, 3, 8, 16, generator=gen)
    images[:2] = images[:2].cumsum(-1)  # two smooth, three noisy images
    parts = [
        high_frequency_power(images[:2]),
        high_frequency_power(images[2:])
    ]
    high = sum(p[0] for p in parts)
    total = sum(p[1] for p in parts)
    assert (high / total).item() == pytest.approx(
        high_frequency_fraction(images).item())
    # not the mean of the two batches' fractions
    assert (high / total).item() != pytest.approx(
        sum((p[0] / p[1]).item() for p in parts) / 2)

"""DACS's Gaussian blur: kernel sizes, kernels and probability by hand."""
import math

import pytest
import torch

from udaplug.models.batch_augments.gaussian_blur import (BatchGaussianBlur,
                                                         dacs_kernel_size,
                                                         gaussian_blur)
from udaplug.registry import MODELS


def test_official_kernel_sizes():
    # floor(ceil(0.1 s) - 0.5 + ceil(0.1 s) % 2)
    assert dacs_kernel_size(512) == 51  # ceil 52 (even) -> 51
    assert dacs_kernel_size(1024) == 103  # ceil 103 (odd) -> 103
    assert dacs_kernel_size(720) == 71
    assert dacs_kernel_size(64) == 7
    assert dacs_kernel_size(128) == 13
    assert dacs_kernel_size(9) == 1


def test_impulse_response_is_the_gaussian():
    img = torch.zeros(2, 1, 11, 11)
    img[:, :, 5, 5] = 1
    sigma = torch.tensor([0.5, 1.0])
    out = gaussian_blur(img, (5, 5), sigma)
    for i, s in enumerate(sigma.tolist()):
        g = torch.tensor(
            [math.exp(-x * x / (2 * s * s)) for x in range(-2, 3)])
        g = g / g.sum()
        expected = torch.zeros(11, 11)
        expected[3:8, 3:8] = torch.outer(g, g)
        assert torch.allclose(out[i, 0], expected, atol=1e-6)


def test_constant_image_kept_and_reflect_border():
    img = torch.full((1, 3, 8, 8), 0.7)
    assert torch.allclose(
        gaussian_blur(img, (7, 7), torch.tensor([1.0])), img, atol=1e-6)
    ramp = torch.arange(8.).repeat(8, 1).view(1, 1, 8, 8)
    out = gaussian_blur(ramp, (3, 3), torch.tensor([1.0]))
    # reflect padding: column 0 sees (1, 0, 1)
    g = torch.tensor([math.exp(-0.5), 1., math.exp(-0.5)])
    g = g / g.sum()
    assert torch.allclose(out[0, 0, :, 0], torch.full((8, ), 2 * g[0].item()))


def test_probability_and_sigma_range():
    blur = MODELS.build(dict(type='BatchGaussianBlur'))
    img = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    gen = torch.Generator().manual_seed(0)
    blurred = sum(not torch.equal(blur(img, gen), img) for _ in range(200))
    assert abs(blurred / 200 - 0.5) < 0.1
    always = BatchGaussianBlur(prob=1.0)
    out = always(img, torch.Generator().manual_seed(1))
    gen = torch.Generator().manual_seed(1)
    torch.rand(1, generator=gen)
    sigma = 0.15 + torch.rand(2, generator=gen)
    assert ((sigma >= 0.15) & (sigma <= 1.15)).all()
    assert torch.allclose(out, gaussian_blur(img, (7, 7), sigma), atol=1e-6)
    with pytest.raises(ValueError, match='sigma_range'):
        BatchGaussianBlur(sigma_range=(0, 1))

"""DACS's colour jitter: HSV conversion, each step and the
(de)normalisation, against hand computations."""
import math

import pytest
import torch

from udaplug.models.batch_augments.color_jitter import (BatchColorJitter,
                                                        hsv_to_rgb, rgb_to_hsv)
from udaplug.registry import MODELS


def pixel(r, g, b):
    return torch.tensor([r, g, b], dtype=torch.float32).view(1, 3, 1, 1)


def test_hsv_of_known_colours_and_round_trip():
    cases = {
        (1., 0., 0.): (0., 1., 1.),
        (0., 1., 0.): (2 * math.pi / 3, 1., 1.),
        (0., 0., 1.): (4 * math.pi / 3, 1., 1.),
        (0.5, 0.5, 0.5): (0., 0., 0.5),
        (1., 1., 0.): (math.pi / 3, 1., 1.),
        (0.2, 0.4, 0.4): (math.pi, 0.5, 0.4),
    }
    for rgb, hsv in cases.items():
        got = rgb_to_hsv(pixel(*rgb)).flatten()
        assert torch.allclose(got, torch.tensor(hsv), atol=1e-5), rgb
    x = torch.rand(2, 3, 5, 7, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(hsv_to_rgb(rgb_to_hsv(x)), x, atol=1e-5)


def params(**kw):
    p = dict(
        brightness=torch.zeros(1),
        contrast=torch.ones(1),
        saturation=torch.ones(1),
        hue=torch.zeros(1),
        order=[0, 1, 2, 3])
    p.update(kw)
    return p


def test_each_step_by_hand():
    x = pixel(0.6, 0.3, 0.2)
    # identity parameters
    assert torch.allclose(BatchColorJitter.apply(x, params()), x, atol=1e-5)
    # brightness is additive (kornia 0.5), clamped
    out = BatchColorJitter.apply(x, params(brightness=torch.tensor([0.5])))
    assert torch.allclose(out.flatten(), torch.tensor([1.0, 0.8, 0.7]))
    # contrast is multiplicative
    out = BatchColorJitter.apply(x, params(contrast=torch.tensor([1.5])))
    assert torch.allclose(out.flatten(), torch.tensor([0.9, 0.45, 0.3]))
    # saturation 0 -> grey at the value (max channel)
    out = BatchColorJitter.apply(x, params(saturation=torch.tensor([0.])))
    assert torch.allclose(out.flatten(), torch.full((3, ), 0.6))
    # hue rotated by 2 pi / 3: red -> green
    out = BatchColorJitter.apply(
        pixel(1., 0., 0.), params(hue=torch.tensor([2 * math.pi / 3])))
    assert torch.allclose(out.flatten(), torch.tensor([0., 1., 0.]), atol=1e-5)


def test_order_matters_and_is_followed():
    x = pixel(0.6, 0.3, 0.2)
    p = dict(brightness=torch.tensor([0.3]), contrast=torch.tensor([0.5]))
    b_then_c = BatchColorJitter.apply(x, params(order=[0, 1, 2, 3], **p))
    c_then_b = BatchColorJitter.apply(x, params(order=[1, 0, 2, 3], **p))
    assert torch.allclose(b_then_c.flatten(), torch.tensor([0.45, 0.3, 0.25]))
    assert torch.allclose(c_then_b.flatten(), torch.tensor([0.6, 0.45, 0.4]))
    # one order per image
    both = BatchColorJitter.apply(
        torch.cat([x, x]),
        params(
            order=torch.tensor([[0, 1, 2, 3], [1, 0, 2, 3]]),
            brightness=torch.tensor([0.3, 0.3]),
            contrast=torch.tensor([0.5, 0.5]),
            saturation=torch.ones(2),
            hue=torch.zeros(2)))
    assert torch.allclose(both, torch.cat([b_then_c, c_then_b]))


def test_factor_ranges_and_probability():
    jitter = MODELS.build(dict(type='BatchColorJitter', strength=0.25))
    gen = torch.Generator().manual_seed(0)
    applied = 0
    for _ in range(400):
        p = jitter.sample_parameters(3, gen)
        if p is None:
            continue
        applied += 1
        assert (p['brightness'].abs() <= 0.25).all()
        assert ((p['contrast'] >= 0.75) & (p['contrast'] <= 1.25)).all()
        assert ((p['saturation'] >= 0.75) & (p['saturation'] <= 1.25)).all()
        assert (p['hue'].abs() <= 0.25 * 2 * math.pi).all()
        assert p['order'].shape == (3, 4)
        assert all(sorted(o) == [0, 1, 2, 3] for o in p['order'].tolist())
        assert len(p['brightness']) == 3
    assert abs(applied / 400 - 0.8) < 0.06  # official: applied if u > 0.2


def test_normalised_batch_per_image_and_passthrough():
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    img01 = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(1))
    m, s = torch.tensor(mean).view(1, 3, 1,
                                   1), torch.tensor(std).view(1, 3, 1, 1)
    normalised = (img01 * 255 - m) / s
    jitter = BatchColorJitter(strength=0.2, prob=1.0)
    gen = torch.Generator().manual_seed(7)
    out = jitter(normalised, mean, std, generator=gen)
    p = jitter.sample_parameters(2, torch.Generator().manual_seed(7))
    expected = (BatchColorJitter.apply(img01, p) * 255 - m) / s
    assert torch.allclose(out, expected, atol=1e-4)
    assert not torch.allclose(out[0], normalised[0], atol=1e-3)
    # never applied with prob 0
    assert BatchColorJitter(prob=0.)(normalised) is normalised
    with pytest.raises(ValueError, match='strength'):
        BatchColorJitter(strength=0.7)

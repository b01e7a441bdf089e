import pytest
import torch
import torchvision.transforms.v2.functional as TF

from udaplug.models.utils import PhotometricPerturbation, linear_ramp
from udaplug.registry import MODELS


def images(n=2, h=20, w=24):
    return torch.rand(n, 3, h, w, generator=torch.Generator().manual_seed(0))


def test_identity_without_strength():
    perturb = PhotometricPerturbation(
        brightness=0,
        contrast=0,
        saturation=0,
        hue=0,
        blur_sigma=(0, 0),
        noise_std=0)
    x = images()
    assert torch.allclose(perturb(x), x, atol=1e-6)


def test_each_image_its_own_parameters_by_hand():
    # brightness only: x * f, f ~ U(1 - s, 1 + s) per image, clamped
    perturb = PhotometricPerturbation(
        brightness=0.5,
        contrast=0,
        saturation=0,
        hue=0,
        blur_sigma=(0, 0),
        noise_std=0)
    x = images()
    out = perturb(x, torch.Generator().manual_seed(3))
    gen = torch.Generator().manual_seed(3)
    factors = []
    for _ in range(2):
        params = perturb.sample_params(gen)
        factors.append(params['brightness'])
    for img, res, f in zip(x, out, factors):
        assert torch.allclose(res, (img * f).clamp(0, 1), atol=1e-6)
    assert factors[0] != factors[1]
    assert all(0.5 <= f <= 1.5 for f in factors)


def test_blur_and_noise():
    x = images(1)
    blur = PhotometricPerturbation(
        brightness=0,
        contrast=0,
        saturation=0,
        hue=0,
        blur_sigma=(1.0, 1.0),
        noise_std=0)
    assert torch.allclose(
        blur(x), TF.gaussian_blur(x[0], [7, 7], [1.0, 1.0])[None], atol=1e-6)
    noise = PhotometricPerturbation(
        brightness=0,
        contrast=0,
        saturation=0,
        hue=0,
        blur_sigma=(0, 0),
        noise_std=0.1)
    diff = noise(x * 0 + 0.5) - 0.5
    assert 0.08 < diff.std().item() < 0.12


def test_default_is_strong_reproducible_and_leaves_global_rng():
    perturb = MODELS.build(dict(type='PhotometricPerturbation'))
    x = images()
    state = torch.get_rng_state()
    a = perturb(x, torch.Generator().manual_seed(1))
    b = perturb(x, torch.Generator().manual_seed(1))
    c = perturb(x, torch.Generator().manual_seed(2))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a, b) and not torch.allclose(a, c)
    assert a.min() >= 0 and a.max() <= 1
    assert (a - x).abs().mean() > 0.03


def test_bad_arguments():
    with pytest.raises(ValueError, match='hue'):
        PhotometricPerturbation(hue=0.7)
    with pytest.raises(ValueError, match='blur_sigma'):
        PhotometricPerturbation(blur_sigma=(2.0, 1.0))
    with pytest.raises(ValueError, match='RGB'):
        PhotometricPerturbation()(torch.rand(1, 1, 8, 8))


def test_linear_ramp():
    # lambda_con: 0 for the first 10k steps, then constant (a step)
    assert linear_ramp(9999, 10000, 10000, 1.0) == 0.0
    assert linear_ramp(10000, 10000, 10000, 1.0) == 1.0
    # online pseudo-labels: 0 at 20k, 0.3 at 100k, linear in between
    assert linear_ramp(20000, 20000, 100000, 0.3) == 0.0
    assert linear_ramp(60000, 20000, 100000, 0.3) == pytest.approx(0.15)
    assert linear_ramp(100000, 20000, 100000, 0.3) == pytest.approx(0.3)
    assert linear_ramp(10**6, 20000, 100000, 0.3) == pytest.approx(0.3)
    with pytest.raises(ValueError, match='before start'):
        linear_ramp(0, 10, 5, 1.0)

"""ResnetTransformGenerator's initialisations: CycleGAN's Gaussian init and
the bilinear init of its transposed convolutions, checked against a hand
computation and by the spectrum of the untrained generator's output."""
import pytest
import torch
import torch.nn.functional as F

from udaplug.models.generators import ResnetTransformGenerator
from udaplug.models.generators.resnet_transform_generator import \
    bilinear_upsample_init
from udaplug.visualization import high_frequency_fraction


def _generator(**kwargs):
    torch.manual_seed(0)
    gen = ResnetTransformGenerator(
        in_channels=3, base_channels=8, num_blocks=1, **kwargs)
    gen.init_weights()
    return gen


def test_bilinear_init_is_channel_mixing_then_linear_interpolation():
    deconv = torch.nn.ConvTranspose2d(
        2, 3, 3, stride=2, padding=1, output_padding=1)
    torch.manual_seed(0)
    bilinear_upsample_init(deconv, gain=0.5)
    x = torch.randn(1, 2, 5, 6)
    mix = deconv.weight[:, :, 1, 1]  # the centre tap holds M (weight 1)
    mixed = torch.einsum('io,nihw->nohw', mix, x)
    # even rows/columns copy the mixed input, odd ones average two of its
    # neighbours (the last one sees a zero beyond the border)
    expected = torch.zeros(1, 3, 10, 12)
    padded = F.pad(mixed, (0, 1, 0, 1))
    for dy in (0, 1):
        for dx in (0, 1):
            expected[:, :, dy::2,
                     dx::2] = (padded[:, :, :5, :6] +
                               padded[:, :, dy:dy + 5, :6] +
                               padded[:, :, :5, dx:dx + 6] +
                               padded[:, :, dy:dy + 5, dx:dx + 6]) / 4
    torch.testing.assert_close(deconv(x), expected)
    assert deconv.bias.abs().max() == 0


def test_untrained_output_is_smooth_with_bilinear_init_only():
    # a smooth input: a vertical edge and a horizontal one
    x = torch.full((2, 3, 64, 128), -0.5)
    x[:, :, :, 64:] = 0.5
    x[:, :, 32:] += 0.25
    gaussian = high_frequency_fraction(_generator()(x)).item()
    bilinear = high_frequency_fraction(
        _generator(upsample_init='bilinear')(x)).item()
    # CycleGAN's init: a checkerboard close to white noise (0.74); the
    # bilinear init keeps the output as smooth as photographs (< 0.1)
    assert gaussian > 0.5
    assert bilinear < 0.1


def test_bad_upsample_init():
    with pytest.raises(ValueError, match='upsample_init'):
        ResnetTransformGenerator(in_channels=3, upsample_init='nearest')

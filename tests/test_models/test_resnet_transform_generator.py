"""ResnetTransformGenerator's initialisations (CycleGAN's Gaussian init and
the bilinear init of its transposed convolutions) and its resize-convolution
upsampling, checked against hand computations, by the spectrum of the
untrained generator's output and by what each upsampling can produce."""
import pytest
import torch
import torch.nn.functional as F

from udaplug.models.generators import ResnetTransformGenerator
from udaplug.models.generators.resnet_transform_generator import (
    BilinearUpConv2d, bilinear_upsample_init)
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


def test_resize_convolution_is_bilinear_upsampling_then_conv():
    torch.manual_seed(0)
    layer = BilinearUpConv2d(2, 3, bias=True)
    x = torch.randn(1, 2, 5, 6)
    up = F.interpolate(x, size=(10, 12), mode='bilinear', align_corners=False)
    torch.testing.assert_close(
        layer(x), F.conv2d(up, layer.weight, layer.bias, padding=1))


def test_resize_convolution_cannot_make_a_period_2_lattice():
    """Whatever its weights, a generator whose upsampling layers are
    bilinear resize-convolutions maps a constant image to an image that is
    constant away from the borders: every layer at the output's resolution
    is shift-equivariant. With transposed convolutions the four output
    phases have their own kernel taps, and the same input comes out as a
    period-2 lattice (the texture of the GIO-Ada demo's translations)."""
    x = torch.full((1, 3, 96, 96), 0.3)
    centre = (slice(None), slice(None), slice(40, 56), slice(40, 56))
    deconv = _generator(init_cfg=dict(type='normal', gain=0.5))(x)[centre]
    resize = _generator(
        upsample='bilinear', init_cfg=dict(type='normal', gain=0.5))(
            x)
    resize = resize[centre]
    assert (deconv[..., 0::2, 0::2] - deconv[..., 1::2, 1::2]).abs().max() \
        > 1e-3
    torch.testing.assert_close(
        resize, resize[..., :1, :1].expand_as(resize), atol=1e-6, rtol=0)


def test_resize_convolution_keeps_the_keys_not_the_weights():
    deconv, resize = _generator(), _generator(upsample='bilinear')
    assert list(deconv.state_dict()) == list(resize.state_dict())
    assert resize.model[-2].conv.weight.shape == (8, 16, 3, 3)
    assert deconv.model[-2].conv.weight.shape == (16, 8, 3, 3)
    with pytest.raises(RuntimeError, match='size mismatch'):
        resize.load_state_dict(deconv.state_dict())


def test_bad_upsample():
    with pytest.raises(ValueError, match='upsample must be'):
        ResnetTransformGenerator(in_channels=3, upsample='nearest')
    with pytest.raises(ValueError, match='leave upsample_init=None'):
        ResnetTransformGenerator(
            in_channels=3, upsample='bilinear', upsample_init='bilinear')

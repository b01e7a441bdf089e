import copy

import pytest
import torch
from mmagic.models.editors.pggan import (EqualizedLRConvDownModule,
                                         EqualizedLRConvUpModule, PixelNorm)
from mmagic.models.editors.stylegan1.stylegan1_modules import (
    AdaptiveInstanceNorm, NoiseInjection)

from udaplug.models.generators import SCI2IGenerator
from udaplug.models.generators.sci2i_generator import (EncoderLayer, ScaleBias,
                                                       StyleLayer)
from udaplug.registry import MODELS


def tiny(**kwargs):
    kwargs.setdefault('channels', (4, 8, 8, 16))
    kwargs.setdefault('style_channels', 8)
    kwargs.setdefault('mapping_layers', 2)
    return SCI2IGenerator(**kwargs)


def set_noise_weights(gen, value):
    for m in gen.modules():
        if isinstance(m, NoiseInjection):
            m.weight.data.fill_(value)


def test_architecture_from_mmagic_parts():
    gen = MODELS.build(dict(type='SCI2IGenerator'))
    assert isinstance(gen, SCI2IGenerator)
    assert gen.channels == (64, 128, 256, 512)
    assert gen.size_divisor == 8  # Sec. 3.2: down-sampling by a factor of 8
    # encoder: strided equalised-LR convs, scale/bias, leaky ReLU, pixel norm
    assert len(gen.encoder) == 3
    for layer in gen.encoder:
        assert isinstance(layer, EncoderLayer)
        assert isinstance(layer.conv, EqualizedLRConvDownModule)
        assert layer.conv.conv.stride == (2, 2)
        assert isinstance(layer.scale_bias, ScaleBias)
        assert isinstance(layer.norm, PixelNorm)
        assert layer.act.negative_slope == 0.2
    # one residual block of two style layers; deconvolution decoder
    assert len(gen.res_block) == 2
    assert len(gen.decoder) == 3
    for layer in list(gen.res_block) + list(gen.decoder):
        assert isinstance(layer, StyleLayer)
        assert isinstance(layer.noise, NoiseInjection)
        assert isinstance(layer.adain, AdaptiveInstanceNorm)
        assert isinstance(layer.scale_bias, ScaleBias)
    for layer in gen.decoder:
        assert isinstance(layer.conv, EqualizedLRConvUpModule)
        assert isinstance(layer.conv.conv, torch.nn.ConvTranspose2d)
    assert [layer.conv.conv.out_channels
            for layer in gen.decoder] == [256, 128, 64]
    # linear output layer
    assert not gen.to_rgb.with_activation
    assert gen.to_rgb.conv.out_channels == 3


def test_down_sampling_factor_and_no_skips():
    gen = tiny()
    shapes = []
    gen.encoder[-1].register_forward_hook(
        lambda m, i, o: shapes.append(tuple(o.shape)))
    out = gen(torch.rand(2, 3, 32, 48) * 2 - 1)
    assert out.shape == (2, 3, 32, 48)
    assert shapes == [(2, 16, 4, 6)]  # H/8 x W/8
    # No skip connections: every decoder layer sees only the previous one.
    for prev, layer in zip([gen.res_block[-1]] + list(gen.decoder[:-1]),
                           gen.decoder):
        assert layer.conv.conv.in_channels == \
            prev.conv.conv.out_channels


def test_output_is_linear_and_differentiable():
    gen = tiny()
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    out = gen(x)
    # the output layer is a 1x1 conv on the last features, nothing after it
    feats = []
    gen.to_rgb.register_forward_hook(lambda m, i, o: feats.append(o))
    out = gen(x)
    assert torch.equal(out, feats[0])
    out.square().mean().backward()
    no_grad = [n for n, p in gen.named_parameters() if p.grad is None]
    # noise weights start at 0 but still get gradients
    assert no_grad == []


def test_global_random_state_untouched():
    torch.manual_seed(123)
    gen = tiny()
    set_noise_weights(gen, 1.0)
    x = torch.rand(2, 3, 16, 24) * 2 - 1
    state = torch.get_rng_state()
    gen.train()
    gen(x)
    gen(x, torch.Generator().manual_seed(5))
    gen.eval()
    gen(x)
    assert torch.equal(torch.get_rng_state(), state)
    # never reseeded (mmagic's fixed noise calls torch.manual_seed(1024))
    assert torch.initial_seed() == 123


def test_noise_determinism_and_stochastic_variation():
    gen = tiny()
    set_noise_weights(gen, 0.5)
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    # without a generator: fixed noise, deterministic
    assert torch.equal(gen(x), gen(x))
    a = gen(x, torch.Generator().manual_seed(1))
    b = gen(x, torch.Generator().manual_seed(1))
    c = gen(x, torch.Generator().manual_seed(2))
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)
    # with zero noise weights the noise has no effect
    set_noise_weights(gen, 0.0)
    assert torch.equal(
        gen(x,
            torch.Generator().manual_seed(1)),
        gen(x,
            torch.Generator().manual_seed(2)))


def test_padding_for_sizes_not_divisible_by_8():
    gen = tiny()
    x = torch.rand(1, 3, 21, 30) * 2 - 1
    out = gen(x)
    assert out.shape == (1, 3, 21, 30)
    padded = torch.nn.functional.pad(x, (0, 2, 0, 3), mode='reflect')
    assert torch.allclose(gen(padded)[..., :21, :30], out, atol=1e-6)


def test_border_padding_reflects_the_input_and_crops_the_output():
    torch.manual_seed(0)
    plain = tiny()
    padded_gen = tiny(border_padding=4)
    padded_gen.load_state_dict(plain.state_dict())
    x = torch.rand(2, 3, 21, 30) * 2 - 1
    out = padded_gen(x)
    assert out.shape == (2, 3, 21, 30)
    # by hand: reflect-pad by 4 on every side, translate, crop the 4 back
    by_hand = plain(torch.nn.functional.pad(x, (4, 4, 4, 4), mode='reflect'))
    assert torch.allclose(out, by_hand[..., 4:25, 4:34], atol=1e-6)
    # the border pixels are no longer those of the zero-padded convolution
    assert not torch.allclose(out[..., 0, :], plain(x)[..., 0, :], atol=1e-3)
    with pytest.raises(ValueError, match='border_padding=4 needs inputs'):
        padded_gen(torch.rand(1, 3, 4, 30))
    with pytest.raises(ValueError, match='border_padding must be'):
        tiny(border_padding=-1)
    with pytest.raises(ValueError, match='border_padding must be'):
        tiny(border_padding=2.5)


def test_scale_bias_and_pixel_norm_by_hand():
    layer = ScaleBias(2)
    layer.scale.data = torch.tensor([2., -1.]).view(1, 2, 1, 1)
    layer.bias.data = torch.tensor([0.5, 1.]).view(1, 2, 1, 1)
    x = torch.tensor([[[[1.]], [[3.]]]])
    assert torch.allclose(layer(x), torch.tensor([[[[2.5]], [[-2.]]]]))
    enc = EncoderLayer(3, 6, down=False)
    out = enc(torch.randn(2, 3, 5, 5))
    # pixel norm: unit mean square over channels at every pixel
    assert torch.allclose(
        out.pow(2).mean(dim=1), torch.ones(2, 5, 5), atol=1e-4)


def test_style_comes_from_the_input():
    gen = tiny()
    styles = []
    gen.mapping.register_forward_hook(lambda m, i, o: styles.append(o))
    gen(torch.rand(1, 3, 16, 16) * 2 - 1)
    gen(torch.rand(1, 3, 16, 16) * 2 - 1)
    assert styles[0].shape == (1, 8)
    assert not torch.allclose(styles[0], styles[1])


def test_deepcopy_after_forward_for_ema():
    gen = tiny()
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    gen(x).mean().backward()
    copied = copy.deepcopy(gen)
    assert torch.equal(copied(x), gen(x))


def test_bad_input_and_arguments():
    gen = tiny()
    with pytest.raises(ValueError, match=r'expected \(N, 3, H, W\)'):
        gen(torch.rand(1, 4, 16, 16))
    with pytest.raises(ValueError, match='channels'):
        SCI2IGenerator(channels=(8, ))


def test_learned_style_is_the_same_for_every_input():
    gen = tiny(style_source='learned')
    styles = []
    gen.mapping.register_forward_hook(lambda m, i, o: styles.append(o))
    gen(torch.rand(2, 3, 16, 16) * 2 - 1)
    gen(torch.rand(1, 3, 16, 16) * 2 - 1)
    assert styles[0].shape == (1, 8)
    assert torch.equal(styles[0], styles[1])
    with pytest.raises(ValueError, match='style_source'):
        tiny(style_source='target')

import torch

from udaplug.models.discriminators import FCDiscriminator
from udaplug.registry import MODELS


def test_registered_and_attributes():
    disc = MODELS.build(dict(type='FCDiscriminator', in_channels=19))
    assert isinstance(disc, FCDiscriminator)
    assert disc.in_channels == 19
    assert [c.out_channels for c in disc.convs] == [64, 128, 256, 512]
    assert [c.in_channels for c in disc.convs] == [19, 64, 128, 256]
    assert disc.classifier.in_channels == 512
    assert disc.classifier.out_channels == 1
    for conv in list(disc.convs) + [disc.classifier]:
        assert conv.kernel_size == (4, 4)
        assert conv.stride == (2, 2) and conv.padding == (1, 1)
    assert not any(
        isinstance(m, torch.nn.modules.batchnorm._NormBase)
        for m in disc.modules())
    assert disc.activation.negative_slope == 0.2


def test_output_shape_official_no_upsampling():
    disc = FCDiscriminator(in_channels=19)
    x = torch.softmax(torch.randn(2, 19, 64, 64), dim=1)
    out = disc(x)
    assert out.shape == (2, 1, 2, 2)
    out.mean().backward()
    assert all(p.grad is not None for p in disc.parameters())


def test_upsample_to_input_option():
    disc = FCDiscriminator(in_channels=19, upsample_to_input=True)
    x = torch.softmax(torch.randn(1, 19, 64, 48), dim=1)
    assert disc(x).shape == (1, 1, 64, 48)


def test_channel_check():
    disc = FCDiscriminator(in_channels=3, channels=(4, 8))
    assert disc(torch.rand(1, 3, 16, 16)).shape == (1, 1, 2, 2)
    try:
        disc(torch.rand(1, 4, 16, 16))
    except ValueError as err:
        assert '3 input channels' in str(err)
    else:
        raise AssertionError('expected a ValueError')

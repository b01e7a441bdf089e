import pytest
import torch
import torchvision
from mmagic.models.archs import ResidualBlockNoBN
from torchvision.models import vgg

from udaplug.models.discriminators import ACHeadDiscriminator
from udaplug.models.discriminators.ac_head_discriminator import \
    VGGCheckpointError
from udaplug.registry import MODELS


def meta_keys(arch):
    with torch.device('meta'):
        return list(getattr(torchvision.models, arch)().features.state_dict())


def tiny(**kwargs):
    kwargs.setdefault('num_classes', 3)
    kwargs.setdefault('vgg_base_channels', 8)
    kwargs.setdefault('decoder_channels', (8, 4))
    return ACHeadDiscriminator(**kwargs)


@pytest.fixture(scope='module')
def vgg16_features_file(tmp_path_factory):
    """torchvision's VGG-16 ``features`` weights (random values, the real
    keys and shapes) as a checkpoint file, and the torchvision model."""
    torch.manual_seed(0)
    features = vgg.make_layers(vgg.cfgs['D'])  # VGG-16's features only
    state = {f'features.{k}': v for k, v in features.state_dict().items()}
    path = tmp_path_factory.mktemp('vgg') / 'vgg16_features.pth'
    torch.save(state, path)
    return str(path), features


def test_architecture():
    disc = MODELS.build(dict(type='ACHeadDiscriminator', num_classes=19))
    # VGG-16 up to block3_conv3 (+ ReLU), torchvision indices 0..15
    assert len(disc.vgg) == 16
    convs = [m for m in disc.vgg if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 64, 128, 128, 256, 256, 256]
    assert isinstance(disc.vgg[14], torch.nn.Conv2d)
    assert isinstance(disc.vgg[15], torch.nn.ReLU)
    assert len(disc.res_blocks) == 3
    assert all(isinstance(b, ResidualBlockNoBN) for b in disc.res_blocks)
    assert disc.gan_head[-1].out_channels == 1 + 19
    assert disc.ac_head[-1].out_channels == 19


@pytest.mark.parametrize('size', [(32, 48), (30, 37)])
def test_outputs_at_image_resolution(size):
    disc = tiny()
    out = disc(torch.rand(2, 3, *size) * 2 - 1)
    assert out['gan'].shape == (2, 4, *size)
    assert out['seg'].shape == (2, 3, *size)


def test_vgg_frozen_and_in_eval_mode():
    disc = tiny()
    assert all(not p.requires_grad for p in disc.vgg.parameters())
    disc.train()
    assert not disc.vgg.training
    assert disc.res_blocks.training and disc.gan_head.training
    vgg_before = {k: v.clone() for k, v in disc.vgg.state_dict().items()}
    res_before = disc.res_blocks[0].conv1.weight.detach().clone()
    optim = torch.optim.Adam(disc.parameters(), lr=0.1)
    x = (torch.rand(1, 3, 16, 16) * 2 - 1).requires_grad_()
    out = disc(x)
    (out['gan'].mean() + out['seg'].mean()).backward()
    optim.step()
    for key, value in disc.vgg.state_dict().items():
        assert torch.equal(value, vgg_before[key]), key
    assert not torch.equal(disc.res_blocks[0].conv1.weight, res_before)
    # gradients still flow through the frozen VGG to the input (generator)
    assert x.grad is not None and x.grad.abs().sum() > 0
    # init_weights re-initialises the trainable parts only
    disc.init_weights()
    for key, value in disc.vgg.state_dict().items():
        assert torch.equal(value, vgg_before[key]), key


def test_loads_torchvision_vgg16_and_normalises_like_imagenet(
        vgg16_features_file):
    path, features = vgg16_features_file
    disc = ACHeadDiscriminator(num_classes=2, vgg_checkpoint=path)
    x = torch.rand(1, 3, 24, 24)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    expected = features[:16].eval()((x - mean) / std)
    assert torch.allclose(disc.features(x * 2 - 1), expected, atol=1e-5)


def test_not_vgg16_lists_keys(tmp_path):
    # VGG-19 shares the first keys but has convs at 16, 23, 25, 30, 32, 34.
    vgg19 = {f'features.{k}': torch.zeros(1) for k in meta_keys('vgg19')}
    path = tmp_path / 'vgg19.pth'
    torch.save(vgg19, path)
    with pytest.raises(VGGCheckpointError) as err:
        ACHeadDiscriminator(num_classes=2, vgg_checkpoint=str(path))
    msg = str(err.value)
    assert 'missing keys' in msg and 'features.17.weight' in msg
    assert 'unexpected keys' in msg and 'features.16.weight' in msg
    assert str(path) in msg
    # right keys, wrong shapes
    shapes = {f'features.{k}': torch.zeros(1) for k in meta_keys('vgg16')}
    torch.save(dict(state_dict=shapes), path)
    with pytest.raises(VGGCheckpointError, match='features.0.weight: '):
        ACHeadDiscriminator(num_classes=2, vgg_checkpoint=str(path))


def test_missing_checkpoint_file_names_it(tmp_path):
    path = str(tmp_path / 'vgg16-397923af.pth')
    with pytest.raises(FileNotFoundError, match='vgg16-397923af.pth'):
        ACHeadDiscriminator(num_classes=2, vgg_checkpoint=path)
    with pytest.raises(ValueError, match='vgg_base_channels=64'):
        ACHeadDiscriminator(
            num_classes=2, vgg_checkpoint=path, vgg_base_channels=8)

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
    disc.init_weights()  # loads the file
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
        ACHeadDiscriminator(
            num_classes=2, vgg_checkpoint=str(path)).init_weights()
    msg = str(err.value)
    assert 'missing keys' in msg and 'features.17.weight' in msg
    assert 'unexpected keys' in msg and 'features.16.weight' in msg
    assert str(path) in msg
    # right keys, wrong shapes
    shapes = {f'features.{k}': torch.zeros(1) for k in meta_keys('vgg16')}
    torch.save(dict(state_dict=shapes), path)
    with pytest.raises(VGGCheckpointError, match='features.0.weight: '):
        ACHeadDiscriminator(
            num_classes=2, vgg_checkpoint=str(path)).init_weights()


def test_missing_checkpoint_file_names_it(tmp_path):
    path = str(tmp_path / 'vgg16-397923af.pth')
    disc = ACHeadDiscriminator(num_classes=2, vgg_checkpoint=path)
    with pytest.raises(FileNotFoundError, match='vgg16-397923af.pth'):
        disc.init_weights()
    with pytest.raises(ValueError, match='vgg_base_channels=64'):
        ACHeadDiscriminator(
            num_classes=2, vgg_checkpoint=path, vgg_base_channels=8)


def _segmentor_checkpoint(path, base_channels, prefix='segmentor.backbone.'):
    """An mmengine-style whole-model checkpoint of a segmentor whose
    backbone is udaplug's DeepLabVGG (random weights, fc layers included)."""
    from udaplug.models.backbones import DeepLabVGG
    torch.manual_seed(1)
    backbone = DeepLabVGG(base_channels=base_channels, fc_channels=8)
    state = {prefix + k: v for k, v in backbone.state_dict().items()}
    state['segmentor.decode_head.conv_seg.weight'] = torch.zeros(3, 8, 1, 1)
    torch.save(dict(meta=dict(iter=5), state_dict=state), path)
    return backbone


def test_vgg_trunk_from_a_segmentor_checkpoint(tmp_path):
    """vgg_prefix: the discriminator's frozen VGG computes exactly the
    segmentor backbone's conv1_1..conv3_3 (+ ReLU) on the same normalised
    input, and another checkpoint (another width) changes its output."""
    path = str(tmp_path / 'iter_5.pth')
    backbone = _segmentor_checkpoint(path, base_channels=4)
    disc = tiny(
        vgg_base_channels=4,
        vgg_checkpoint=path,
        vgg_prefix='segmentor.backbone.')
    random_vgg = disc.features(torch.zeros(1, 3, 20, 28)).clone()
    disc.init_weights()
    x = torch.rand(2, 3, 20, 28)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    expected = backbone.features[:16].eval()((x - mean) / std)
    assert expected.shape == (2, 16, 5, 7)  # conv3_3: 4 * 4 channels, /4
    assert torch.allclose(disc.features(x * 2 - 1), expected, atol=1e-6)
    assert not torch.allclose(
        disc.features(torch.zeros(1, 3, 20, 28)), random_vgg)
    for k, v in disc.vgg.state_dict().items():
        assert torch.equal(v, backbone.features.state_dict()[k]), k
    # still frozen after loading
    assert all(not p.requires_grad for p in disc.vgg.parameters())


def test_vgg_trunk_from_a_segmentor_checkpoint_bad_input(tmp_path):
    path = str(tmp_path / 'iter_5.pth')
    _segmentor_checkpoint(path, base_channels=8)
    with pytest.raises(VGGCheckpointError) as err:  # other widths
        tiny(
            vgg_base_channels=4,
            vgg_checkpoint=path,
            vgg_prefix='segmentor.backbone.').init_weights()
    assert 'segmentor.backbone.features.0.weight: (8, 3, 3, 3) instead ' \
        'of (4, 3, 3, 3)' in str(err.value)
    with pytest.raises(VGGCheckpointError) as err:  # wrong prefix
        tiny(
            vgg_base_channels=8, vgg_checkpoint=path,
            vgg_prefix='teacher.').init_weights()
    assert 'missing keys (14)' in str(err.value)
    assert 'teacher.features.14.bias' in str(err.value)
    with pytest.raises(ValueError, match='vgg_checkpoint'):
        tiny(vgg_prefix='segmentor.backbone.')

import pytest
import torch
from torch import nn

from udaplug.models.backbones import DeepLabVGG
from udaplug.registry import MODELS


def test_registered():
    assert MODELS.get('DeepLabVGG') is DeepLabVGG


def test_keys_and_shapes_match_torchvision_vgg16():
    torchvision = pytest.importorskip('torchvision')
    reference = torchvision.models.vgg16().state_dict()
    model = DeepLabVGG()
    own = model.state_dict()
    features = {
        k: v.shape
        for k, v in own.items() if k.startswith('features.')
    }
    expected = {
        k: v.shape
        for k, v in reference.items() if k.startswith('features.')
    }
    assert features == expected  # ImageNet weights load key for key
    assert sorted(k for k in own if not k.startswith('features.')) == [
        'fc6.bias', 'fc6.weight', 'fc7.bias', 'fc7.weight'
    ]


def test_deeplab_v2_layout():
    model = DeepLabVGG()
    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    assert len(convs) == 13
    assert [c.dilation[0] for c in convs] == [1] * 10 + [2] * 3
    assert [c.padding[0] for c in convs] == [1] * 10 + [2] * 3
    pools = [m for m in model.features if isinstance(m, nn.MaxPool2d)]
    assert len(pools) == 3  # pool4 and pool5 removed
    assert isinstance(model.features[23], nn.Identity)
    assert isinstance(model.features[30], nn.Identity)
    assert model.fc6.in_channels == 512 and model.fc6.out_channels == 1024
    assert model.fc6.dilation == (4, 4) and model.fc6.padding == (4, 4)
    assert model.fc7.kernel_size == (3, 3) and model.fc7.dilation == (4, 4)
    assert model.out_channels == 1024


def test_output_stride_8_and_channels():
    model = DeepLabVGG(base_channels=4, fc_channels=16)
    out = model(torch.randn(2, 3, 64, 96))
    assert isinstance(out, tuple) and len(out) == 1
    assert out[0].shape == (2, 16, 8, 12)
    assert (out[0] >= 0).all()  # ReLU after fc7
    no_fc = DeepLabVGG(base_channels=4, with_fc=False)
    assert no_fc(torch.randn(1, 3, 32, 32))[0].shape == (1, 32, 4, 4)


def test_pool45_stride1_variant():
    model = DeepLabVGG(base_channels=4, fc_channels=8, pool45='stride1')
    for idx in (23, 30):
        pool = model.features[idx]
        assert isinstance(pool, nn.MaxPool2d)
        assert (pool.kernel_size, pool.stride, pool.padding) == (3, 1, 1)
    assert model(torch.randn(1, 3, 40, 48))[0].shape == (1, 8, 5, 6)


def test_pretrained_init_cfg_loads_vgg_weights(tmp_path):
    torch.manual_seed(0)
    source = DeepLabVGG(base_channels=4, fc_channels=8)
    # a torchvision-format file: features.* plus an unused classifier
    state = {
        k: v
        for k, v in source.state_dict().items() if k.startswith('features.')
    }
    state['classifier.0.weight'] = torch.zeros(2, 2)
    path = tmp_path / 'vgg.pth'
    torch.save(state, path)
    model = DeepLabVGG(
        base_channels=4,
        fc_channels=8,
        init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    torch.testing.assert_close(model.features[28].weight,
                               source.features[28].weight)


def test_invalid_arguments():
    with pytest.raises(ValueError, match='pool45'):
        DeepLabVGG(pool45='drop')
    with pytest.raises(KeyError, match='depth'):
        DeepLabVGG(depth=17)

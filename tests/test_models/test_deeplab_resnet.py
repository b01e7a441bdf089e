import pytest
import torch
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm

from udaplug.models.backbones import DeepLabResNet
from udaplug.registry import MODELS


@pytest.fixture(scope='module', autouse=True)
def _one_thread():
    """Small CPU forwards; one thread avoids OpenMP threads competing for
    the few shared cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _bn_layers(model):
    return [m for m in model.modules() if isinstance(m, _BatchNorm)]


def test_registered():
    assert MODELS.get('DeepLabResNet') is DeepLabResNet


def test_defaults_follow_deeplab_v2():
    model = DeepLabResNet(depth=50)
    assert model.style == 'caffe'
    assert model.strides == (1, 2, 1, 1)
    assert model.dilations == (1, 1, 2, 4)
    assert model.out_indices == (2, 3)
    assert model.maxpool.ceil_mode
    assert (model.maxpool.kernel_size, model.maxpool.stride,
            model.maxpool.padding) == (3, 2, 1)
    # caffe style: the stride sits on the 1x1 conv of the first block
    assert model.layer2[0].conv1.stride == (2, 2)
    assert model.layer2[0].conv2.stride == (1, 1)
    assert model.layer2[0].downsample[0].stride == (2, 2)
    # every block of layer3/layer4 is dilated (no contraction)
    assert all(b.conv2.dilation == (2, 2) and b.conv2.padding == (2, 2)
               for b in model.layer3)
    assert all(b.conv2.dilation == (4, 4) and b.conv2.padding == (4, 4)
               for b in model.layer4)
    # every stage starts with a projection shortcut
    for name in ('layer1', 'layer2', 'layer3', 'layer4'):
        assert getattr(model, name)[0].downsample is not None


@pytest.mark.parametrize('depth,channels', [(50, (1024, 2048)),
                                            (18, (256, 512))])
def test_output_stride_8_with_ceil_pool(depth, channels):
    model = DeepLabResNet(depth=depth)
    model.eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 65, 65))
        assert [tuple(o.shape) for o in outs] == [(1, channels[0], 9, 9),
                                                  (1, channels[1], 9, 9)]
        # 64 -> 32 after conv1 -> 17 after the ceil-mode pool -> 9
        assert model(torch.randn(1, 3, 64, 64))[-1].shape[-2:] == (9, 9)
    # mmseg's floor-mode pool: 32 -> 16 -> 8
    floor = DeepLabResNet(depth=depth, ceil_mode=False)
    floor.eval()
    with torch.no_grad():
        assert floor(torch.randn(1, 3, 64, 64))[-1].shape[-2:] == (8, 8)


def test_frozen_bn_affine_params():
    model = DeepLabResNet(depth=18)
    bns = _bn_layers(model)
    assert bns
    for bn in bns:
        assert bn.eps == 1e-5 and bn.affine
        assert not bn.weight.requires_grad and not bn.bias.requires_grad
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert all(c.weight.requires_grad for c in convs)
    # no zero-initialised residual BN (its weight could never recover)
    model.init_weights()
    assert all(bn.weight.abs().sum() > 0 for bn in bns)


def test_norm_eval_option():
    model = DeepLabResNet(depth=18)
    model.train()
    assert all(bn.training for bn in _bn_layers(model))  # official behaviour
    model = DeepLabResNet(depth=18, norm_eval=True)
    model.train()
    assert not any(bn.training for bn in _bn_layers(model))
    assert model.layer1[0].conv1.training


def test_official_training_sizes():
    model = DeepLabResNet(depth=18, out_indices=(3, ))
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(1, 3, 512, 1024))[0]
    assert out.shape[-2:] == (65, 129)  # (64, 128) with a floor-mode pool

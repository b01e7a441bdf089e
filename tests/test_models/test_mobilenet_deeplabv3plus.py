"""Toldo et al.'s segmentor: mmseg's MobileNet-v2 DeepLab-v3+ at output
stride 16, initialised from a local ImageNet checkpoint converted from
torchvision's (or mmpretrain's) layout."""
import os.path as osp

import pytest
import torch
import torchvision
from mmengine.config import Config

from udaplug.models.utils import FrozenStatsBN
from udaplug.models.utils.mobilenet_v2_checkpoint import (
    MobileNetV2ConversionError, convert_mobilenet_v2)
from udaplug.registry import MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL_CFG = osp.join(REPO_ROOT, 'configs', '_base_', 'models',
                     'cyclefeat_deeplabv3plus_mnv2.py')


def random_torchvision_mobilenet():
    torch.manual_seed(0)
    net = torchvision.models.mobilenet_v2()
    for m in net.modules():  # statistics that are not the identity
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            m.bias.data.uniform_(-0.5, 0.5)
    return net.eval()


def segmentor_cfg(checkpoint=None, num_classes=19):
    cfg = Config.fromfile(MODEL_CFG).segmentor
    cfg.backbone.init_cfg = None if checkpoint is None else dict(
        type='Pretrained', checkpoint=checkpoint, prefix='backbone.')
    cfg.decode_head.num_classes = num_classes
    return cfg


def test_torchvision_weights_give_the_same_features():
    tv = random_torchvision_mobilenet()
    state, info = convert_mobilenet_v2(tv.state_dict(), prefix='')
    assert info == dict(source='torchvision', converted=306, dropped=8)
    from mmseg.models.backbones import MobileNetV2
    mm = MobileNetV2(out_indices=(6, ))
    mm.load_state_dict(state, strict=True)
    mm.eval()
    x = torch.randn(1, 3, 64, 96)
    assert torch.equal(mm(x), tv.features[:18](x))


def test_mmpretrain_layout_and_errors():
    state = {
        'backbone.conv1.conv.weight': torch.zeros(32, 3, 3, 3),
        'backbone.layer7.0.conv.2.bn.bias': torch.zeros(320),
        'backbone.conv2.conv.weight': torch.zeros(1280, 320, 1, 1),
        'head.fc.weight': torch.zeros(1000, 1280),
    }
    out, info = convert_mobilenet_v2(state)
    assert set(out) == {
        'backbone.conv1.conv.weight', 'backbone.layer7.0.conv.2.bn.bias'
    }
    assert info == dict(source='mmpretrain', converted=2, dropped=2)
    with pytest.raises(MobileNetV2ConversionError, match='features.19.x'):
        convert_mobilenet_v2({
            'features.0.0.weight': torch.zeros(1),
            'features.19.x': torch.zeros(1)
        })
    with pytest.raises(
            MobileNetV2ConversionError, match='features.3.conv.4.weight'):
        convert_mobilenet_v2({'features.3.conv.4.weight': torch.zeros(1)})
    with pytest.raises(MobileNetV2ConversionError, match='neither'):
        convert_mobilenet_v2({'conv.weight': torch.zeros(1)})


def test_converter_tool_output_initialises_the_config_backbone(
        tmp_path, load_tool):
    tv = random_torchvision_mobilenet()
    src, dst = tmp_path / 'mobilenet_v2-b0353104.pth', tmp_path / 'out.pth'
    torch.save(tv.state_dict(), src)
    tool = load_tool('convert_models/mobilenet_v2.py')
    assert tool.main([str(src), str(dst)]) == 0
    seg = MODELS.build(segmentor_cfg(str(dst)))
    seg.init_weights()
    expected, _ = convert_mobilenet_v2(tv.state_dict(), prefix='')
    loaded = seg.backbone.state_dict()
    assert set(loaded) == set(expected)
    for key, value in expected.items():
        assert torch.equal(loaded[key], value), key
    assert tool.main([str(tmp_path / 'missing.pth'), str(dst)]) == 1


def test_segmentor_strides_channels_and_frozen_statistics():
    seg = MODELS.build(segmentor_cfg(num_classes=5))
    seg.init_weights()
    seg.train()
    bns = [
        m for m in seg.modules()
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
    ]
    assert bns and all(isinstance(m, FrozenStatsBN) for m in bns)
    assert not any(m.training for m in bns)
    x = torch.randn(2, 3, 96, 128)
    feats = seg.extract_feat(x)
    # low-level features: 24 channels at stride 4; encoder output M_e(x):
    # 320 channels at stride 16 (output stride 16, Sec. 4)
    assert feats[0].shape == (2, 24, 24, 32)
    assert feats[-1].shape == (2, 320, 6, 8)
    outputs = seg(x, mode='outputs')
    assert outputs['seg'].shape == (2, 5, 24, 32)  # decoder at stride 4
    head = seg.decode_head
    rates = [
        m.depthwise_conv.conv.dilation for m in list(head.aspp_modules)[1:]
    ]
    assert rates == [(6, 6), (12, 12), (18, 18)]
    assert head.channels == 256 and head.c1_bottleneck.conv.out_channels == 48

"""FCN-8s VGG-16 (FCNVGG + FCN8sHead): the classic skip architecture with
Caffe's 100-pixel padding and crops."""
import pytest
import torch
from mmengine.config import ConfigDict
from torch import nn

from udaplug.models.backbones import FCNVGG
from udaplug.models.decode_heads import FCN8sHead
from udaplug.registry import MODELS


def _tiny():
    backbone = FCNVGG(base_channels=4, fc_channels=8)
    head = FCN8sHead(
        in_channels=(16, 32, 8),
        num_classes=3,
        loss_decode=dict(type='CrossEntropyLoss'))
    return backbone, head


def test_fcn_vgg16_layout():
    vgg = FCNVGG()
    convs = [m for m in vgg.features if isinstance(m, nn.Conv2d)]
    assert len(convs) == 13 and convs[0].padding == (100, 100)
    assert all(c.padding == (1, 1) for c in convs[1:])
    pools = [m for m in vgg.features if isinstance(m, nn.MaxPool2d)]
    assert len(pools) == 5 and all(p.ceil_mode for p in pools)
    # torchvision's module indices: features.0 conv1_1, ... 28 conv5_3
    assert vgg.features[28] is convs[-1]
    assert (vgg.fc6.kernel_size, vgg.fc6.padding,
            vgg.fc6.out_channels) == ((7, 7), (0, 0), 4096)
    assert vgg.fc7.kernel_size == (1, 1) and vgg.fc7.out_channels == 4096
    assert vgg.drop6.p == vgg.drop7.p == 0.5
    assert vgg.out_channels == dict(pool3=256, pool4=512, pool5=512, fc7=4096)


@pytest.mark.parametrize('size', [(32, 32), (64, 128), (96, 40)])
def test_output_has_input_size(size):
    backbone, head = _tiny()
    feats = backbone(torch.rand(2, 3, *size))
    assert head(feats).shape == (2, 3, *size)


def test_sizes_not_multiple_of_8_are_refused():
    backbone, _ = _tiny()
    with pytest.raises(ValueError, match='multiple of 8.*size_divisor=8'):
        backbone(torch.rand(1, 3, 36, 32))


def _impulse_response(head, which, size=(64, 96)):
    """Output of the head when only one skip path carries an impulse at
    one cell of its feature map; returns the row/col of the peak and the
    cell."""
    backbone = FCNVGG(base_channels=4, fc_channels=8).eval()
    shapes = [f.shape for f in backbone(torch.zeros(1, 3, *size))]
    feats = [torch.zeros(s) for s in shapes]
    idx = {'pool3': 0, 'pool4': 1, 'fc7': 2}[which]
    cell = (shapes[idx][2] // 2, shapes[idx][3] // 2)
    feats[idx][0, 0, cell[0], cell[1]] = 1.0
    out = head(tuple(feats))[0, 0]
    peak = (out == out.max()).nonzero().float().mean(0)
    return peak, cell


@pytest.mark.parametrize('which,stride,offset', [
    ('pool3', 8, -95.5),
    ('pool4', 16, -91.5),
    ('fc7', 32, 12.5),
])
def test_skip_paths_are_aligned_with_the_image(which, stride, offset):
    """A feature cell's receptive-field centre in the image (through the
    100-pixel padding and ceil-mode pools: pool3 cell j at 8j - 95.5,
    pool4 at 16j - 91.5, fc7 (after the 7x7 fc6) at 32j + 12.5) is where
    the head puts its class evidence: the crops 5, 9 and 31 are right."""
    _, head = _tiny()
    head.skip_scales = (1.0, 1.0)
    for conv in (head.score_fr, head.score_pool4, head.score_pool3):
        nn.init.zeros_(conv.weight)
    target = {
        'pool3': head.score_pool3,
        'pool4': head.score_pool4,
        'fc7': head.score_fr
    }[which]
    with torch.no_grad():
        target.weight[0, 0] = 1.0
    peak, cell = _impulse_response(head, which)
    expected = [stride * c + offset for c in cell]
    assert peak.tolist() == pytest.approx(expected, abs=0.01)


def test_defaults_follow_bdl_and_fcn():
    backbone, head = _tiny()
    # at-once skip scaling; scoring layers start at zero (FCN Sec. 4.3)
    assert head.skip_scales == (0.01, 0.0001)
    for conv in (head.score_fr, head.score_pool4, head.score_pool3):
        assert not conv.weight.any() and not conv.bias.any()
    # fixed bilinear upsampling (released nets, BDL's optimiser)
    for up in (head.upscore2, head.upscore_pool4, head.upscore8):
        assert not up.weight.requires_grad
    w = head.upscore2.weight
    assert w[0, 1].abs().sum() == 0  # channels upsampled on their own
    # FCN's bilinear filter: outer product of [0.25, 0.75, 0.75, 0.25]
    taps = torch.tensor([0.25, 0.75, 0.75, 0.25])
    torch.testing.assert_close(w[0, 0], taps[:, None] * taps[None, :])
    # gradients reach the backbone through every skip
    head.init_weights()
    x = torch.rand(1, 3, 32, 32)
    for conv in (head.score_fr, head.score_pool4, head.score_pool3):
        nn.init.normal_(conv.weight)
    head(backbone(x)).sum().backward()
    assert backbone.features[0].weight.grad.abs().sum() > 0
    assert head.upscore8.weight.grad is None


def test_segmentor_config_builds_and_trains():
    cfg = ConfigDict(
        type='MultiOutputEncoderDecoder',
        backbone=dict(type='FCNVGG', base_channels=4, fc_channels=8),
        decode_head=dict(
            type='FCN8sHead',
            in_channels=(16, 32, 8),
            num_classes=3,
            loss_decode=dict(type='CrossEntropyLoss', avg_non_ignore=True)),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))
    seg = MODELS.build(cfg)
    outputs = seg(torch.rand(1, 3, 32, 40), mode='outputs')
    assert outputs['seg'].shape == (1, 3, 32, 40)


def test_torchvision_fc_layers_are_convolutionalized(tmp_path):
    vgg = FCNVGG(base_channels=4, fc_channels=8)
    state = {
        k: torch.randn_like(v)
        for k, v in vgg.state_dict().items() if k.startswith('features.')
    }
    state['classifier.0.weight'] = torch.randn(8, 32 * 7 * 7)
    state['classifier.0.bias'] = torch.randn(8)
    state['classifier.3.weight'] = torch.randn(8, 8)
    state['classifier.3.bias'] = torch.randn(8)
    state['classifier.6.weight'] = torch.randn(1000, 8)  # ImageNet classes
    path = str(tmp_path / 'vgg.pth')
    torch.save(state, path)
    loaded = FCNVGG(
        base_channels=4,
        fc_channels=8,
        init_cfg=dict(type='Pretrained', checkpoint=path))
    loaded.init_weights()
    torch.testing.assert_close(loaded.features[28].weight,
                               state['features.28.weight'])
    torch.testing.assert_close(
        loaded.fc6.weight.reshape(8, -1), state['classifier.0.weight'])
    torch.testing.assert_close(loaded.fc7.weight[:, :, 0, 0],
                               state['classifier.3.weight'])
    del state['classifier.3.weight']
    torch.save(state, path)
    with pytest.raises(KeyError, match='fc7.weight'):
        FCNVGG(
            base_channels=4,
            fc_channels=8,
            init_cfg=dict(type='Pretrained', checkpoint=path)).init_weights()

"""The converted official AdaptSegNet checkpoints reproduce the official
network's outputs.

The official multi-level DeepLab-v2 network is rebuilt here from its
published description (caffe-style bottlenecks, ceil-mode stem pool,
layer3/layer4 dilated 2/4, classifiers that only sum their first two
branches), randomly initialised, saved under the official key names and
converted.
"""
import importlib.util
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from mmengine.runner import load_checkpoint

from udaplug.models.utils.adaptsegnet_checkpoint import (
    CheckpointConversionError, convert_checkpoint, convert_state_dict)
from udaplug.registry import MODELS

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'convert_models' / 'adaptsegnet.py'
NUM_CLASSES = 19
INIT_CLASSES = 21


# --------------------------------------------------------------------------
# Reference network, written from the description of the official code.
# --------------------------------------------------------------------------
def _frozen_bn(channels):
    bn = nn.BatchNorm2d(channels, eps=1e-5, affine=True)
    for p in bn.parameters():
        p.requires_grad = False
    return bn


class RefBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride, dilation, downsample):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False)
        self.bn1 = _frozen_bn(planes)
        self.conv2 = nn.Conv2d(
            planes, planes, 3, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = _frozen_bn(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = _frozen_bn(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(y + shortcut)


class RefClassifier(nn.Module):
    """Four dilated 3x3 branches; the forward returns after adding the
    second branch, as the official module does."""

    def __init__(self, inplanes, dilations, paddings, num_classes):
        super().__init__()
        self.conv2d_list = nn.ModuleList(
            nn.Conv2d(
                inplanes, num_classes, 3, padding=p, dilation=d, bias=True)
            for d, p in zip(dilations, paddings))
        for conv in self.conv2d_list:
            conv.weight.data.normal_(0, 0.01)

    def forward(self, x):
        out = self.conv2d_list[0](x)
        for i in range(len(self.conv2d_list) - 1):
            out = out + self.conv2d_list[i + 1](x)
            return out


class RefMultiLevelDeepLab(nn.Module):

    def __init__(self, num_classes, blocks=(3, 4, 23, 3)):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = _frozen_bn(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.layer1 = self._layer(64, blocks[0], 1, 1)
        self.layer2 = self._layer(128, blocks[1], 2, 1)
        self.layer3 = self._layer(256, blocks[2], 1, 2)
        self.layer4 = self._layer(512, blocks[3], 1, 4)
        rates = [6, 12, 18, 24]
        self.layer5 = RefClassifier(1024, rates, rates, num_classes)
        self.layer6 = RefClassifier(2048, rates, rates, num_classes)

    def _layer(self, planes, num_blocks, stride, dilation):
        downsample = None
        if (stride != 1 or self.inplanes != planes * 4 or dilation in (2, 4)):
            downsample = nn.Sequential(
                nn.Conv2d(
                    self.inplanes, planes * 4, 1, stride=stride, bias=False),
                _frozen_bn(planes * 4))
        layers = [
            RefBottleneck(self.inplanes, planes, stride, dilation, downsample)
        ]
        self.inplanes = planes * 4
        for _ in range(1, num_blocks):
            layers.append(
                RefBottleneck(self.inplanes, planes, 1, dilation, None))
        return nn.Sequential(*layers)

    def features(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x3 = self.layer3(self.layer2(self.layer1(x)))
        return x3, self.layer4(x3)

    def forward(self, x):
        x3, x4 = self.features(x)
        return self.layer5(x3), self.layer6(x4)


def _randomise(model, generator, calib_shape=(2, 3, 64, 72)):
    """Random weights and BN statistics under which every residual branch
    matters: random BN affine parameters, running statistics calibrated on
    a random batch (so that eval-mode BN roughly normalises) and then
    perturbed. With unit running statistics instead, the residual branches
    of a randomly initialised network are nearly silent and the comparison
    would hardly test them."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for name, m in model.named_modules():
        is_classifier = name.startswith(('layer5', 'layer6'))
        if isinstance(m, nn.Conv2d) and not is_classifier:
            nn.init.kaiming_normal_(m.weight, nonlinearity='relu')
    for name, bn in model.named_modules():
        if not isinstance(bn, nn.BatchNorm2d):
            continue
        n = bn.num_features
        # smaller scales at the ends of the residual branches and shortcuts
        # keep the features (and logits) of the deep network moderate
        low, high = (0.1, 0.3) if name.endswith(
            ('bn3', 'downsample.1')) else (0.5, 1.5)
        bn.weight.data = torch.rand(
            n, generator=generator) * (high - low) + low
        bn.bias.data = torch.randn(n, generator=generator) * 0.1
        bn.momentum = 1.0
    model.train()
    with torch.no_grad():
        model.features(torch.randn(*calib_shape, generator=generator))
    for bn in bns:
        n = bn.num_features
        bn.momentum = 0.1
        bn.running_mean += torch.randn(
            n, generator=generator) * 0.1 * (
                bn.running_var.sqrt())
        bn.running_var *= torch.rand(n, generator=generator) * 0.4 + 0.8
    model.eval()


def _old_torch_state_dict(model):
    """State dict as written by the PyTorch of the official code (no
    ``num_batches_tracked``)."""
    return OrderedDict((k, v.clone()) for k, v in model.state_dict().items()
                       if not k.endswith('num_batches_tracked'))


# --------------------------------------------------------------------------
# udaplug side
# --------------------------------------------------------------------------
def _load_tool():
    spec = importlib.util.spec_from_file_location('adaptsegnet_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _udaplug_segmentor(num_summed_branches=2, with_aux=True):
    head = dict(
        type='udaplug.DeepLabV2Head',
        num_classes=NUM_CLASSES,
        num_summed_branches=num_summed_branches)
    cfg = dict(
        type='EncoderDecoder',
        backbone=dict(type='udaplug.DeepLabResNet', depth=101),
        decode_head=dict(head, in_channels=2048, in_index=1))
    if with_aux:
        cfg['auxiliary_head'] = dict(head, in_channels=1024, in_index=0)
    return MODELS.build(cfg)


class UDAModelStub(nn.Module):
    """Holds the segmentation network where udaplug's UDA models do."""

    def __init__(self, segmentor):
        super().__init__()
        self.segmentor = segmentor


def _udaplug_logits(segmentor, x):
    with torch.no_grad():
        feats = segmentor.extract_feat(x)
        return (segmentor.auxiliary_head(feats), segmentor.decode_head(feats))


@pytest.fixture(scope='module', autouse=True)
def _one_thread():
    """The ResNet-101 forwards here are tiny; one thread avoids the slowdown
    of OpenMP threads competing for the few shared CPU cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def udaplug_segmentor():
    """ResNet-101 multi-level udaplug segmentor with the official classifier
    forward, in eval mode (tests load their own weights into it)."""
    seg = _udaplug_segmentor(num_summed_branches=2)
    seg.eval()
    return seg


@pytest.fixture(scope='module')
def official(tmp_path_factory):
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    model = RefMultiLevelDeepLab(NUM_CLASSES)
    _randomise(model, gen)
    x = torch.randn(1, 3, 64, 72, generator=gen)
    with torch.no_grad():
        aux, main = model(x)
        feats = model.features(x)
    state = _old_torch_state_dict(model)
    root = tmp_path_factory.mktemp('official')
    multi_path = root / 'GTA2Cityscapes_multi.pth'
    torch.save(state, multi_path)

    init = OrderedDict(('Scale.' + k, v) for k, v in state.items()
                       if not k.startswith(('layer5.', 'layer6.')))
    for i in range(4):
        init[f'Scale.layer5.conv2d_list.{i}.weight'] = torch.randn(
            INIT_CLASSES, 2048, 3, 3, generator=gen) * 0.01
        init[f'Scale.layer5.conv2d_list.{i}.bias'] = torch.zeros(INIT_CLASSES)
    init_path = root / 'DeepLab_resnet_pretrained_init.pth'
    # the legacy (pre-1.6) serialisation format of the released files
    torch.save(init, init_path, _use_new_zipfile_serialization=False)
    del model
    return dict(
        x=x,
        aux=aux,
        main=main,
        feats=feats,
        state=state,
        multi_path=multi_path,
        init_path=init_path,
        root=root)


def test_multi_level_outputs_match(official, udaplug_segmentor, capsys):
    out = official['root'] / 'multi_udaplug.pth'
    meta = convert_checkpoint(str(official['multi_path']), str(out))
    assert meta['kind'] == 'multi_level'
    assert meta['depth'] == 101 and meta['num_classes'] == NUM_CLASSES
    assert meta['converted_from'] == 'GTA2Cityscapes_multi.pth'
    assert len(meta['dataset_meta']['classes']) == NUM_CLASSES
    assert 'num_batches_tracked' in capsys.readouterr().out

    ckpt = torch.load(out, map_location='cpu', weights_only=True)
    keys = list(ckpt['state_dict'])
    assert all(k.startswith('segmentor.') for k in keys)
    assert 'segmentor.backbone.conv1.weight' in keys
    assert 'segmentor.backbone.layer1.0.downsample.1.running_var' in keys
    assert 'segmentor.decode_head.aspp_convs.3.bias' in keys
    assert 'segmentor.auxiliary_head.aspp_convs.0.weight' in keys
    torch.testing.assert_close(
        ckpt['state_dict']['segmentor.decode_head.aspp_convs.1.weight'],
        official['state']['layer6.conv2d_list.1.weight'])
    torch.testing.assert_close(
        ckpt['state_dict']['segmentor.auxiliary_head.aspp_convs.2.bias'],
        official['state']['layer5.conv2d_list.2.bias'])

    stub = UDAModelStub(udaplug_segmentor)
    load_checkpoint(stub, str(out), map_location='cpu', strict=True)
    aux, main = _udaplug_logits(stub.segmentor, official['x'])
    assert main.shape == (1, NUM_CLASSES, 9, 10) == aux.shape
    assert (main - official['main']).abs().max() < 1e-4
    assert (aux - official['aux']).abs().max() < 1e-4
    # the comparison is not trivial
    assert official['main'].abs().max() > 1e-2
    assert official['aux'].abs().max() > 1e-2

    # all four branches summed (the paper's classifier): another network
    heads = (stub.segmentor.decode_head, stub.segmentor.auxiliary_head)
    for head in heads:
        head.num_summed_branches = None
    try:
        aux_full, main_full = _udaplug_logits(stub.segmentor, official['x'])
    finally:
        for head in heads:
            head.num_summed_branches = 2
    assert (main_full - official['main']).abs().max() > 1e-3
    assert (aux_full - official['aux']).abs().max() > 1e-3


def test_init_cli_backbone_only(official, udaplug_segmentor, capsys):
    main = _load_tool().main
    out = official['root'] / 'init_udaplug.pth'
    assert main([str(official['init_path']), str(out), '--prefix', '']) == 0
    printed = capsys.readouterr().out
    assert 'dropped' in printed and 'Scale.layer5' in printed
    assert f'{INIT_CLASSES} classes' in printed

    ckpt = torch.load(out, map_location='cpu', weights_only=True)
    assert ckpt['meta']['kind'] == 'backbone'
    assert ckpt['meta']['from_scale_prefixed_init']
    assert all(k.startswith('backbone.') for k in ckpt['state_dict'])
    assert ckpt['state_dict']['backbone.bn1.num_batches_tracked'] == 0

    backbone = udaplug_segmentor.backbone
    backbone.load_state_dict(
        {
            k[len('backbone.'):]: v
            for k, v in ckpt['state_dict'].items()
        },
        strict=True)
    with torch.no_grad():
        feats = backbone(official['x'])
    for ours, ref in zip(feats, official['feats']):
        assert (ours - ref).abs().max() < 1e-4


def test_single_level_and_plain_prefix(official, udaplug_segmentor):
    src = OrderedDict((k, v) for k, v in official['state'].items()
                      if not k.startswith(('layer5.', 'layer6.')))
    for k, v in official['state'].items():
        if k.startswith('layer6.'):
            src['layer5.' + k[len('layer6.'):]] = v
    state, info = convert_state_dict(src, prefix='', log=lambda msg: None)
    assert info['kind'] == 'single_level'
    assert not any(k.startswith('auxiliary_head.') for k in state)
    seg = udaplug_segmentor
    result = seg.load_state_dict(state, strict=False)
    assert not result.unexpected_keys
    assert set(result.missing_keys) == {
        k
        for k in seg.state_dict() if k.startswith('auxiliary_head.')
    }
    with torch.no_grad():
        main = seg.decode_head(seg.extract_feat(official['x']))
    assert (main - official['main']).abs().max() < 1e-4


def test_num_batches_tracked_kept_when_present(official):
    src = OrderedDict(official['state'])
    src['bn1.num_batches_tracked'] = torch.tensor(7)
    state, info = convert_state_dict(src, log=lambda msg: None)
    assert state['segmentor.backbone.bn1.num_batches_tracked'] == 7
    assert state['segmentor.backbone.layer1.0.bn1.num_batches_tracked'] == 0
    assert info['filled_num_batches_tracked'] > 0
    state, _ = convert_state_dict(src, prefix='model', log=lambda msg: None)
    assert 'model.backbone.bn1.num_batches_tracked' in state


@pytest.mark.parametrize('key', [
    'layer3.5.conv2.weight', 'layer2.0.downsample.1.running_mean',
    'layer6.conv2d_list.3.bias', 'layer5.conv2d_list.0.weight'
])
def test_missing_key_is_reported(official, key):
    src = OrderedDict(official['state'])
    del src[key]
    with pytest.raises(CheckpointConversionError, match='missing') as err:
        convert_state_dict(src, log=lambda msg: None)
    assert key in str(err.value)


def test_missing_main_classifier_is_reported(official):
    src = OrderedDict((k, v) for k, v in official['state'].items()
                      if not k.startswith('layer6.'))
    with pytest.raises(CheckpointConversionError, match='missing') as err:
        convert_state_dict(src, log=lambda msg: None)
    assert 'layer6.conv2d_list.0.weight' in str(err.value)


@pytest.mark.parametrize('key', [
    'fc.weight', 'layer4.0.conv4.weight', 'layer6.conv2d_list.4.weight',
    'module.conv1.weight'
])
def test_unexpected_key_is_reported(official, key):
    src = OrderedDict(official['state'])
    src[key] = torch.zeros(1)
    with pytest.raises(CheckpointConversionError, match='unexpected') as err:
        convert_state_dict(src, log=lambda msg: None)
    assert key in str(err.value)


def test_shape_and_class_checks(official):
    src = OrderedDict(official['state'])
    with pytest.raises(CheckpointConversionError, match='21'):
        convert_state_dict(src, num_classes=21, log=lambda msg: None)
    src['layer6.conv2d_list.0.weight'] = torch.zeros(NUM_CLASSES, 2048, 1, 1)
    with pytest.raises(CheckpointConversionError, match='shape') as err:
        convert_state_dict(src, log=lambda msg: None)
    assert 'layer6.conv2d_list.0.weight' in str(err.value)


def test_cli_reports_errors(tmp_path, capsys):
    src = OrderedDict([('conv1.weight', torch.zeros(64, 3, 7, 7)),
                       ('fc.weight', torch.zeros(1))])
    bad = tmp_path / 'bad.pth'
    torch.save(src, bad)
    out = tmp_path / 'out.pth'
    assert _load_tool().main([str(bad), str(out)]) == 1
    assert 'fc.weight' in capsys.readouterr().err
    assert not out.exists()

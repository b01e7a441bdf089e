"""Converting BDL's FCN-8s VGG-16 checkpoints (the converted udaplug
segmentor computes what BDL's ``FCN8s.forward`` computes) and keeping a
subset of a checkpoint's classes (19 Cityscapes classes -> SYNTHIA's 16:
the sliced model predicts the kept channels exactly)."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict

from udaplug.datasets.label_sets import CITYSCAPES_CLASSES, SYNTHIA_CLASSES
from udaplug.models.decode_heads.fcn8s_head import bilinear_upsampling_weight
from udaplug.models.utils import (class_indices, convert_fcn8s_state_dict,
                                  select_classes)
from udaplug.models.utils.adaptsegnet_checkpoint import \
    CheckpointConversionError
from udaplug.models.utils.fcn8s_checkpoint import VGG16_CONV_INDICES
from udaplug.registry import MODELS

BASE, FC, NUM_CLASSES = 4, 8, 3


def bdl_fcn8s_state(seed=0):
    """A random state dict with the keys and (narrow) shapes of BDL's
    ``FCN8s``."""
    gen = torch.Generator().manual_seed(seed)
    state, prev = {}, 3
    for name in VGG16_CONV_INDICES:
        stage = int(name[4]) - 1
        out = BASE * 2**min(stage, 3)
        state[f'{name}.weight'] = torch.randn(
            out, prev, 3, 3, generator=gen) * 0.3
        state[f'{name}.bias'] = torch.randn(out, generator=gen) * 0.1
        prev = out
    state['fc6.weight'] = torch.randn(FC, prev, 7, 7, generator=gen) * 0.1
    state['fc6.bias'] = torch.randn(FC, generator=gen) * 0.1
    state['fc7.weight'] = torch.randn(FC, FC, 1, 1, generator=gen) * 0.3
    state['fc7.bias'] = torch.randn(FC, generator=gen) * 0.1
    for name, cin in (('score_fr', FC), ('score_pool4', 8 * BASE),
                      ('score_pool3', 4 * BASE)):
        state[f'{name}.weight'] = torch.randn(
            NUM_CLASSES, cin, 1, 1, generator=gen)
        state[f'{name}.bias'] = torch.randn(NUM_CLASSES, generator=gen)
    for name, k in (('upscore2', 4), ('upscore_pool4', 4), ('upscore8', 16)):
        state[f'{name}.weight'] = torch.randn(
            NUM_CLASSES, NUM_CLASSES, k, k, generator=gen)
    return state


def bdl_fcn8s_forward(s, x):
    """BDL's ``FCN8s.forward`` (model/fcn8s.py) in eval mode, written out
    with functional ops on its state dict."""

    def conv(h, name, padding=1):
        return F.relu(
            F.conv2d(
                h, s[f'{name}.weight'], s[f'{name}.bias'], padding=padding))

    pool = dict(kernel_size=2, stride=2, ceil_mode=True)
    h = conv(conv(x, 'conv1_1', padding=100), 'conv1_2')
    h = F.max_pool2d(h, **pool)
    h = F.max_pool2d(conv(conv(h, 'conv2_1'), 'conv2_2'), **pool)
    h = conv(conv(conv(h, 'conv3_1'), 'conv3_2'), 'conv3_3')
    pool3 = h = F.max_pool2d(h, **pool)
    h = conv(conv(conv(h, 'conv4_1'), 'conv4_2'), 'conv4_3')
    pool4 = h = F.max_pool2d(h, **pool)
    h = conv(conv(conv(h, 'conv5_1'), 'conv5_2'), 'conv5_3')
    h = F.max_pool2d(h, **pool)
    h = conv(conv(h, 'fc6', padding=0), 'fc7', padding=0)
    h = F.conv2d(h, s['score_fr.weight'], s['score_fr.bias'])
    upscore2 = F.conv_transpose2d(h, s['upscore2.weight'], stride=2)
    h = F.conv2d(pool4 * 0.01, s['score_pool4.weight'], s['score_pool4.bias'])
    h = h[:, :, 5:5 + upscore2.size(2), 5:5 + upscore2.size(3)]
    upscore_pool4 = F.conv_transpose2d(
        upscore2 + h, s['upscore_pool4.weight'], stride=2)
    h = F.conv2d(pool3 * 0.0001, s['score_pool3.weight'],
                 s['score_pool3.bias'])
    h = h[:, :, 9:9 + upscore_pool4.size(2), 9:9 + upscore_pool4.size(3)]
    h = F.conv_transpose2d(upscore_pool4 + h, s['upscore8.weight'], stride=8)
    return h[:, :, 31:31 + x.size(2), 31:31 + x.size(3)]


def test_converted_model_matches_bdl_forward():
    src = bdl_fcn8s_state()
    state, info = convert_fcn8s_state_dict(src, prefix='', log=lambda m: 0)
    assert info['num_classes'] == NUM_CLASSES
    assert info['base_channels'] == BASE and info['fc_channels'] == FC
    seg = MODELS.build(
        ConfigDict(
            type='MultiOutputEncoderDecoder',
            backbone=dict(type='FCNVGG', base_channels=BASE, fc_channels=FC),
            decode_head=dict(
                type='FCN8sHead',
                in_channels=(4 * BASE, 8 * BASE, FC),
                num_classes=NUM_CLASSES,
                loss_decode=dict(type='CrossEntropyLoss')),
            train_cfg=dict(),
            test_cfg=dict(mode='whole'))).eval()
    seg.load_state_dict(state, strict=True)
    x = torch.randn(
        2, 3, 48, 64, generator=torch.Generator().manual_seed(1)) * 50
    with torch.no_grad():
        expected = bdl_fcn8s_forward(src, x)
        got = seg(x, mode='outputs')['seg']
    scale = expected.abs().max()
    assert scale > 0
    torch.testing.assert_close(got / scale, expected / scale)


def test_wrong_checkpoints_fail_with_the_keys(tmp_path):
    src = bdl_fcn8s_state()
    del src['conv4_2.bias']
    src['layer5.conv2d_list.0.weight'] = torch.zeros(1)
    with pytest.raises(CheckpointConversionError) as err:
        convert_fcn8s_state_dict(src, log=lambda m: 0)
    assert 'layer5.conv2d_list.0.weight' in str(err.value)
    assert 'conv4_2.bias' in str(err.value)
    src = bdl_fcn8s_state()
    src['score_pool3.weight'] = torch.zeros(5, 4 * BASE, 1, 1)
    with pytest.raises(CheckpointConversionError, match='score_pool3'):
        convert_fcn8s_state_dict(src, log=lambda m: 0)


def test_tool(tmp_path, load_tool):
    tool = load_tool('convert_models/fcn8s.py')
    src_path, out_path = str(tmp_path / 'bdl.pth'), str(tmp_path / 'out.pth')
    torch.save(bdl_fcn8s_state(), src_path)
    assert tool.main([src_path, out_path]) == 0
    ckpt = torch.load(out_path, weights_only=True)
    assert 'segmentor.backbone.features.28.weight' in ckpt['state_dict']
    assert 'segmentor.decode_head.upscore8.weight' in ckpt['state_dict']
    assert ckpt['meta']['num_classes'] == NUM_CLASSES
    bad = str(tmp_path / 'bad.pth')
    torch.save({'conv1.weight': torch.zeros(1)}, bad)
    assert tool.main([bad, out_path]) == 1


def _fcn(num_classes):
    return MODELS.build(
        ConfigDict(
            type='MultiOutputEncoderDecoder',
            backbone=dict(type='FCNVGG', base_channels=BASE, fc_channels=FC),
            decode_head=dict(
                type='FCN8sHead',
                in_channels=(4 * BASE, 8 * BASE, FC),
                num_classes=num_classes,
                loss_decode=dict(type='CrossEntropyLoss')),
            train_cfg=dict(),
            test_cfg=dict(mode='whole'))).eval()


def _deeplab(num_classes):
    return MODELS.build(
        ConfigDict(
            type='MultiOutputEncoderDecoder',
            backbone=dict(type='DeepLabResNet', depth=18, out_indices=(3, )),
            decode_head=dict(
                type='DeepLabV2Head',
                in_channels=512,
                num_classes=num_classes,
                loss_decode=dict(type='CrossEntropyLoss')),
            train_cfg=dict(),
            test_cfg=dict(mode='whole'))).eval()


def test_synthia16_indices():
    idx = class_indices(CITYSCAPES_CLASSES, SYNTHIA_CLASSES)
    assert idx == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 17, 18]
    with pytest.raises(ValueError, match='zebra'):
        class_indices(CITYSCAPES_CLASSES, ['road', 'zebra'])


@pytest.mark.parametrize('net', ['fcn8s', 'deeplab'])
def test_sliced_model_predicts_the_kept_channels(net):
    keep = [0, 2]
    if net == 'fcn8s':
        src = bdl_fcn8s_state()
        for name, k in (('upscore2', 4), ('upscore_pool4', 4),
                        ('upscore8', 16)):  # FCN's per-class bilinear
            src[f'{name}.weight'] = bilinear_upsampling_weight(3, k)
        state, _ = convert_fcn8s_state_dict(src, prefix='', log=lambda m: 0)
        full, small = _fcn(3), _fcn(len(keep))
    else:
        torch.manual_seed(0)
        full, small = _deeplab(5), _deeplab(len(keep))
        state = full.state_dict()
    full.load_state_dict(state)
    sliced, changed = select_classes(state, keep)
    assert changed
    small.load_state_dict(sliced, strict=True)
    x = torch.randn(1, 3, 48, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = full(x * 50, mode='outputs')['seg'][:, keep]
        got = small(x * 50, mode='outputs')['seg']
    scale = expected.abs().max()
    torch.testing.assert_close(got / scale, expected / scale)


def test_class_subset_errors_and_tool(tmp_path, load_tool):
    with pytest.raises(CheckpointConversionError, match='no classifier'):
        select_classes({'backbone.conv1.weight': torch.zeros(2)}, [0])
    state = {
        'segmentor.decode_head.aspp_convs.0.weight': torch.zeros(19, 4, 3, 3),
        'segmentor.decode_head.aspp_convs.0.bias': torch.zeros(19),
    }
    with pytest.raises(CheckpointConversionError, match='in \\[0, 19\\)'):
        select_classes(state, [0, 19])
    bad = dict(state,
               **{'segmentor.decode_head.aspp_convs.1.bias': torch.zeros(16)})
    with pytest.raises(CheckpointConversionError, match='disagree'):
        select_classes(bad, [0])
    tool = load_tool('convert_models/select_classes.py')
    src, dst = str(tmp_path / 'in.pth'), str(tmp_path / 'out.pth')
    torch.save(dict(meta=dict(num_classes=19), state_dict=state), src)
    assert tool.main([src, dst, '--subset', 'synthia16']) == 0
    out = torch.load(dst, weights_only=True)
    assert out['state_dict'][
        'segmentor.decode_head.aspp_convs.0.bias'].shape == (16, )
    assert out['meta']['dataset_meta']['classes'] == list(SYNTHIA_CLASSES)

"""Keeping a subset of a checkpoint's classes (19 Cityscapes classes ->
SYNTHIA's 16): the sliced model predicts the kept channels exactly."""
import pytest
import torch
from mmengine.config import ConfigDict
from test_fcn8s_checkpoint import BASE, FC, bdl_fcn8s_state
from uda_helpers import load_tool

from udaplug.datasets.label_sets import CITYSCAPES_CLASSES, SYNTHIA_CLASSES
from udaplug.models.decode_heads.fcn8s_head import bilinear_upsampling_weight
from udaplug.models.utils import (class_indices, convert_fcn8s_state_dict,
                                  select_classes)
from udaplug.models.utils.adaptsegnet_checkpoint import \
    CheckpointConversionError
from udaplug.registry import MODELS


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


def test_errors_and_tool(tmp_path):
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

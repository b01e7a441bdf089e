"""Convert PyTorch FCN-8s VGG-16 checkpoints in the layout of BDL's
``model/fcn8s.py`` (the "initial weights of GTA5/SYNTHIA for VGG16-FCN"
and the adapted ``GTA5_VGG``/``SYNTHIA_VGG`` models of
github.com/liyunsheng13/BDL, also wkentaro/pytorch-fcn's ``FCN8s``) to a
udaplug segmentor with :class:`~udaplug.models.FCNVGG` and
:class:`~udaplug.models.FCN8sHead`.

Source keys -> target keys (under ``prefix``, default ``'segmentor.'``)::

    convS_B.{weight,bias}   -> backbone.features.<i>.{weight,bias}
                               (torchvision's VGG-16 indices: conv1_1 0,
                               conv1_2 2, conv2_1 5, ..., conv5_3 28)
    fc6.*, fc7.*            -> backbone.fc6.*, backbone.fc7.*
    score_fr.*, score_pool3.*, score_pool4.*,
    upscore2.weight, upscore_pool4.weight, upscore8.weight
                            -> decode_head.<same name>

Unknown keys, missing keys and wrong shapes are errors that list them.
"""
import os.path as osp
from collections import OrderedDict
from typing import Callable, Dict, Tuple

import torch

from .adaptsegnet_checkpoint import (DEFAULT_PREFIX, CheckpointConversionError,
                                     _cityscapes_meta, _key_list, _sha256,
                                     load_source_checkpoint)

# VGG-16 conv name -> index in torchvision's ``features``
VGG16_CONV_INDICES = {
    'conv1_1': 0,
    'conv1_2': 2,
    'conv2_1': 5,
    'conv2_2': 7,
    'conv3_1': 10,
    'conv3_2': 12,
    'conv3_3': 14,
    'conv4_1': 17,
    'conv4_2': 19,
    'conv4_3': 21,
    'conv5_1': 24,
    'conv5_2': 26,
    'conv5_3': 28,
}
HEAD_LAYERS = ('score_fr', 'score_pool3', 'score_pool4', 'upscore2',
               'upscore_pool4', 'upscore8')
UPSCORE_LAYERS = ('upscore2', 'upscore_pool4', 'upscore8')


def _target_key(key: str) -> str:
    layer, _, param = key.partition('.')
    if layer in VGG16_CONV_INDICES and param in ('weight', 'bias'):
        return f'backbone.features.{VGG16_CONV_INDICES[layer]}.{param}'
    if layer in ('fc6', 'fc7') and param in ('weight', 'bias'):
        return f'backbone.{key}'
    if layer in HEAD_LAYERS and (param == 'weight' or
                                 (param == 'bias'
                                  and layer not in UPSCORE_LAYERS)):
        return f'decode_head.{key}'
    return ''


def expected_source_keys():
    keys = [
        f'{layer}.{p}' for layer in [*VGG16_CONV_INDICES, 'fc6', 'fc7']
        for p in ('weight', 'bias')
    ]
    keys += [f'{layer}.weight' for layer in HEAD_LAYERS]
    keys += [
        f'{layer}.bias' for layer in HEAD_LAYERS if layer not in UPSCORE_LAYERS
    ]
    return keys


def convert_fcn8s_state_dict(
        src: Dict,
        prefix: str = DEFAULT_PREFIX,
        log: Callable[[str], None] = print) -> Tuple[OrderedDict, Dict]:
    """``src`` (BDL FCN-8s keys) -> (udaplug state dict, info)."""
    unexpected = sorted(k for k in src if not _target_key(k))
    missing = sorted(set(expected_source_keys()) - set(src))
    if unexpected or missing:
        parts = []
        if unexpected:
            parts.append(f'{len(unexpected)} keys that are not part of an '
                         f'FCN-8s VGG-16:\n{_key_list(unexpected)}')
        if missing:
            parts.append(f'{len(missing)} FCN-8s keys missing:\n'
                         f'{_key_list(missing)}')
        raise CheckpointConversionError(
            'not an FCN-8s VGG-16 checkpoint (BDL/pytorch-fcn layout): ' +
            '\n'.join(parts))
    num_classes = int(src['score_fr.weight'].shape[0])
    bad = [
        f'{k}: {tuple(src[k].shape)}'
        for k in ('score_pool3.weight', 'score_pool4.weight')
        if src[k].shape[0] != num_classes
    ] + [
        f'{k}.weight: {tuple(src[k + ".weight"].shape)}'
        for k in UPSCORE_LAYERS
        if tuple(src[k + '.weight'].shape[:2]) != (num_classes, num_classes)
    ]
    if bad:
        raise CheckpointConversionError(
            f'class dimensions disagree with score_fr ({num_classes} '
            f'classes):\n' + '\n'.join(f'  {b}' for b in bad))
    out = OrderedDict(
        (prefix + _target_key(k), v.clone()) for k, v in src.items())
    info = dict(
        num_classes=num_classes,
        prefix=prefix,
        base_channels=int(src['conv1_1.weight'].shape[0]),
        fc_channels=int(src['fc6.weight'].shape[0]),
        description='FCN-8s VGG-16 (BDL model/fcn8s.py layout)')
    log(f'converted {len(out)} tensors ({num_classes} classes)')
    return out, info


def convert_fcn8s_checkpoint(in_path: str,
                             out_path: str,
                             prefix: str = DEFAULT_PREFIX,
                             weights_only: bool = True,
                             log: Callable[[str], None] = print) -> Dict:
    """Convert ``in_path`` and save ``{'meta', 'state_dict'}`` to
    ``out_path``; returns the meta."""
    src = load_source_checkpoint(in_path, weights_only=weights_only, log=log)
    state_dict, info = convert_fcn8s_state_dict(src, prefix=prefix, log=log)
    from udaplug.version import __version__
    meta = dict(
        converted_from=osp.basename(in_path),
        source_sha256=_sha256(in_path),
        converter='tools/convert_models/fcn8s.py',
        udaplug_version=__version__,
        **info)
    if info['num_classes'] == 19:
        meta['dataset_meta'] = _cityscapes_meta()
    torch.save(dict(meta=meta, state_dict=state_dict), out_path)
    return meta

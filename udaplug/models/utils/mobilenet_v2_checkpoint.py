"""ImageNet MobileNet-v2 checkpoints for mmseg's ``MobileNetV2`` backbone.

Two public ImageNet checkpoints fit mmseg's MobileNet-v2 (widen factor 1):

``torchvision``
    ``mobilenet_v2-b0353104.pth`` / ``mobilenet_v2-7ebf99e0.pth``
    (``torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1`` / ``_V2``):
    keys ``features.0.*`` (stem), ``features.1.*`` .. ``features.17.*``
    (the 17 inverted residual blocks), ``features.18.*`` (the final 1x1 conv
    to 1280 channels) and ``classifier.*``.
``mmpretrain``
    ``mobilenet_v2_batch256_imagenet_20200708-3b2dc3af.pth`` (mmpretrain /
    mmcls, the ``mmcls://mobilenet_v2`` of mmseg's configs): keys
    ``backbone.conv1.*``, ``backbone.layer1.*`` .. ``backbone.layer7.*``,
    ``backbone.conv2.*`` (1280 channels) and ``head.*``. These already use
    mmseg's names.

Both are converted to ``{prefix}conv1.*`` and ``{prefix}layerN.M.conv.K.*``
(default prefix ``'backbone.'``), so that a segmentor's backbone loads them
with ``init_cfg=dict(type='Pretrained', checkpoint=FILE,
prefix='backbone.')``. The 1280-channel conv and the classifier have no
place in a segmentation backbone and are dropped (the count is reported);
any other key that does not fit is an error listing it.
"""
import re
from collections import OrderedDict
from typing import Dict, Tuple

import torch

# mmseg MobileNetV2.arch_settings: (expand ratio, channels, blocks) of
# layer1 .. layer7; torchvision numbers the same blocks features.1 .. 17.
ARCH = ((1, 16, 1), (6, 24, 2), (6, 32, 3), (6, 64, 4), (6, 96, 3),
        (6, 160, 3), (6, 320, 1))
_TV_BLOCK_RE = re.compile(r'^features\.(\d+)\.(.+)$')
_BN_SUFFIXES = ('weight', 'bias', 'running_mean', 'running_var',
                'num_batches_tracked')


class MobileNetV2ConversionError(ValueError):
    """The checkpoint is not an ImageNet MobileNet-v2 this module knows."""


def _block_index() -> Dict[int, Tuple[int, int, int]]:
    """torchvision block number -> (layer, block in layer, expand ratio)."""
    index, n = {}, 1
    for layer, (expand, _, blocks) in enumerate(ARCH, start=1):
        for block in range(blocks):
            index[n] = (layer, block, expand)
            n += 1
    return index


def _module_key(rest: str, expand: int) -> str:
    """torchvision ``conv.*`` key inside a block -> mmseg's
    ``conv.K.{conv,bn}.*``.

    torchvision: with expansion ``conv.0`` (1x1 expand, Conv+BN+ReLU6),
    ``conv.1`` (3x3 depthwise, Conv+BN+ReLU6), ``conv.2`` (1x1 project
    conv), ``conv.3`` (its BN); without: ``conv.0`` (depthwise),
    ``conv.1`` / ``conv.2`` (project conv / BN). mmseg: one ConvModule per
    conv, ``conv.K.conv`` and ``conv.K.bn``.
    """
    m = re.match(r'^conv\.(\d+)\.(?:(\d+)\.)?(.+)$', rest)
    if m is None:
        raise KeyError(rest)
    first, second, name = int(m.group(1)), m.group(2), m.group(3)
    project = 2 if expand != 1 else 1  # index of the projection conv
    if second is not None:  # Conv-BN-ReLU6 sequence: .0 conv, .1 BN
        if first >= project or second not in ('0', '1'):
            raise KeyError(rest)
        return f'conv.{first}.{"conv" if second == "0" else "bn"}.{name}'
    if first == project and name == 'weight':
        return f'conv.{project}.conv.weight'
    if first == project + 1 and name in _BN_SUFFIXES:
        return f'conv.{project}.bn.{name}'
    raise KeyError(rest)


def convert_mobilenet_v2(state_dict: Dict[str, torch.Tensor],
                         prefix: str = 'backbone.') -> Tuple[dict, dict]:
    """Convert an ImageNet MobileNet-v2 state dict (torchvision's or
    mmpretrain's layout) to mmseg ``MobileNetV2`` keys under ``prefix``.

    Returns:
        (state dict, info): info has ``source`` (``'torchvision'`` or
        ``'mmpretrain'``), ``converted`` and ``dropped`` (key counts).

    Raises:
        MobileNetV2ConversionError: keys of neither layout, listed.
    """
    if any(k.startswith('features.') for k in state_dict):
        source = 'torchvision'
    elif any(k.startswith('backbone.layer') for k in state_dict):
        source = 'mmpretrain'
    else:
        raise MobileNetV2ConversionError(
            'neither a torchvision (features.*) nor an mmpretrain '
            '(backbone.layer*) MobileNet-v2 checkpoint; first keys: ' +
            ', '.join(list(state_dict)[:5]))
    blocks = _block_index()
    out, dropped, unknown = OrderedDict(), 0, []
    for key, value in state_dict.items():
        if source == 'mmpretrain':
            if key.startswith(('backbone.conv2.', 'head.')):
                dropped += 1
            elif re.match(r'^backbone\.(conv1|layer[1-7])\.', key):
                out[prefix + key[len('backbone.'):]] = value
            else:
                unknown.append(key)
            continue
        m = _TV_BLOCK_RE.match(key)
        if key.startswith('classifier.') or (m and m.group(1) == '18'):
            dropped += 1
            continue
        if m is None:
            unknown.append(key)
            continue
        n, rest = int(m.group(1)), m.group(2)
        try:
            if n == 0:  # stem: Conv-BN-ReLU6
                sub = re.match(r'^([01])\.(.+)$', rest)
                if sub is None:
                    raise KeyError(rest)
                kind = 'conv' if sub.group(1) == '0' else 'bn'
                out[f'{prefix}conv1.{kind}.{sub.group(2)}'] = value
            elif n in blocks:
                layer, block, expand = blocks[n]
                name = _module_key(rest, expand)
                out[f'{prefix}layer{layer}.{block}.{name}'] = value
            else:
                raise KeyError(rest)
        except KeyError:
            unknown.append(key)
    if unknown:
        raise MobileNetV2ConversionError(
            f'{len(unknown)} keys do not fit the {source} MobileNet-v2 '
            'layout (widen factor 1): ' + ', '.join(sorted(unknown)[:20]))
    return out, dict(source=source, converted=len(out), dropped=dropped)


def load_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """The state dict in ``path`` (a bare one or under ``state_dict``)."""
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    if isinstance(checkpoint, dict) and 'state_dict' in checkpoint:
        checkpoint = checkpoint['state_dict']
    if not isinstance(checkpoint, dict):
        raise MobileNetV2ConversionError(
            f'{path} holds a {type(checkpoint).__name__}, not a state dict')
    return checkpoint

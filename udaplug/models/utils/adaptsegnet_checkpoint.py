"""Convert the official AdaptSegNet / DeepLab-v2 PyTorch checkpoints.

Handled source layouts (keys of the official ``model/deeplab_multi.py`` and
``model/deeplab.py`` networks):

``multi_level``
    AdaptSegNet multi-level model, e.g. ``GTA2Cityscapes_multi-ed35115c.pth``:
    backbone (``conv1``, ``bn1``, ``layer1`` .. ``layer4``), ``layer5``
    (classifier on layer3, 1024 input channels; auxiliary) and ``layer6``
    (classifier on layer4, 2048 input channels; main).
``single_level``
    Single-level DeepLab-v2: backbone and ``layer5`` as the classifier on
    layer4 (main). A file with only ``layer5`` is classified by the input
    channels of ``layer5.conv2d_list.0.weight``: layer4's channels (2048)
    mean main, layer3's (1024) mean auxiliary, i.e. a multi-level file, which
    then lacks its main classifier (reported as missing).
``backbone``
    No classifier, e.g. the ImageNet/COCO init
    ``DeepLab_resnet_pretrained_init-f81d91e8.pth`` after dropping its
    classifier: its keys are prefixed ``Scale.`` and its ``Scale.layer5``
    classifier (on layer4, not 19 classes) is dropped with a printed note,
    as the official training does, which keeps every other key.

Target layout: the modules of a udaplug/mmseg ``EncoderDecoder`` with a
:class:`~udaplug.models.DeepLabResNet` backbone and
:class:`~udaplug.models.DeepLabV2Head` heads, under ``prefix`` (default
``'segmentor.'``, where udaplug's UDA models keep the segmentation network)::

    {prefix}backbone.conv1.weight, {prefix}backbone.bn1.*,
    {prefix}backbone.layerN.M.{conv1,bn1,conv2,bn2,conv3,bn3}.*,
    {prefix}backbone.layerN.0.downsample.{0,1}.*        (same names as source)
    {prefix}decode_head.aspp_convs.{0..3}.{weight,bias}     <- main classifier
    {prefix}auxiliary_head.aspp_convs.{0..3}.{weight,bias}  <- aux classifier

Nothing is dropped silently: source keys that have no place in that model,
keys the model needs for the detected layout but the file lacks, and shape
mismatches are errors that list the keys. The one exception is BatchNorm's
``num_batches_tracked`` counter, which checkpoints of old PyTorch versions
do not have: missing counters are filled with 0 (they only matter for BN
with ``momentum=None``) and the fill is reported.

The official classifiers only sum their first two branches; load converted
checkpoints into heads with ``num_summed_branches=2`` to get the official
outputs.
"""
import hashlib
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Tuple

import torch

SCALE_PREFIX = 'Scale.'
DEFAULT_PREFIX = 'segmentor.'
KINDS = ('multi_level', 'single_level', 'backbone')
KIND_DESCRIPTIONS = {
    'multi_level': 'AdaptSegNet multi-level model (layer5: auxiliary '
    'classifier on layer3, layer6: main classifier on layer4)',
    'single_level': 'single-level DeepLab-v2 model (layer5: classifier on '
    'layer4)',
    'backbone': 'DeepLab-v2 ResNet backbone without classifier',
}

_CLASSIFIER_RE = re.compile(r'^layer([56])\.conv2d_list\.(\d+)\.(.+)$')
_BACKBONE_RE = re.compile(r'^(conv1|bn1|layer[1-4])\.')
_BLOCK_RE = re.compile(r'^layer([1-4])\.(\d+)\.')


class CheckpointConversionError(ValueError):
    """The source checkpoint does not fit the target model."""


def _key_list(keys, limit: int = 50) -> str:
    keys = sorted(keys)
    lines = [f'  {k}' for k in keys[:limit]]
    if len(keys) > limit:
        lines.append(f'  ... and {len(keys) - limit} more')
    return '\n'.join(lines)


def load_source_checkpoint(path: str,
                           weights_only: bool = True,
                           log: Callable[[str], None] = print) -> Dict:
    """Read an official checkpoint file into a flat ``{name: tensor}`` dict.

    The official files are plain state dicts. A dict wrapping one under
    ``'state_dict'`` or ``'model'`` is unwrapped (its other entries are
    reported and not converted).

    Args:
        path (str): File to read.
        weights_only (bool): Load with torch's safe ``weights_only``
            unpickler. Only pass False for a file you trust. Defaults to True.
        log (callable): Where notes go. Defaults to ``print``.
    """
    try:
        obj = torch.load(path, map_location='cpu', weights_only=weights_only)
    except pickle.UnpicklingError as err:
        raise CheckpointConversionError(
            f'{path} could not be read with torch.load(weights_only=True) '
            f'({err}). If you trust the file, load it with weights_only='
            f'False (converter option --unsafe-load).') from err
    if not isinstance(obj, dict):
        raise CheckpointConversionError(
            f'{path} holds a {type(obj).__name__}, not a state dict')
    if not all(torch.is_tensor(v) for v in obj.values()):
        for wrapper in ('state_dict', 'model'):
            inner = obj.get(wrapper)
            if isinstance(inner, dict) and all(
                    torch.is_tensor(v) for v in inner.values()):
                others = sorted(k for k in obj if k != wrapper)
                log(f'note: converting {path}["{wrapper}"]; other top-level '
                    f'entries not converted: {others}')
                obj = inner
                break
        else:
            bad = [k for k, v in obj.items() if not torch.is_tensor(v)]
            raise CheckpointConversionError(
                f'{path} is not a state dict of tensors; non-tensor '
                f'entries:\n{_key_list(bad)}')
    return OrderedDict(obj)


def infer_depth(state_dict: Dict) -> int:
    """ResNet depth (50/101/152) from the number of blocks per stage."""
    from mmseg.models.backbones.resnet import Bottleneck

    from udaplug.models.backbones import DeepLabResNet

    blocks = [set() for _ in range(4)]
    for key in state_dict:
        match = _BLOCK_RE.match(key)
        if match:
            blocks[int(match.group(1)) - 1].add(int(match.group(2)))
    counts = tuple(max(b) + 1 if b else 0 for b in blocks)
    for depth, (block, stages) in DeepLabResNet.arch_settings.items():
        if block is Bottleneck and tuple(stages) == counts:
            return depth
    raise CheckpointConversionError(
        f'cannot infer the ResNet depth: the file has {counts} blocks in '
        f'layer1..layer4 (ResNet-101: (3, 4, 23, 3)); pass depth explicitly')


def build_reference_segmentor(depth: int = 101,
                              num_classes: int = 19,
                              with_auxiliary_head: bool = True,
                              device='meta'):
    """The udaplug segmentation network the converted keys are checked
    against: mmseg ``EncoderDecoder`` with ``DeepLabResNet`` and
    ``DeepLabV2Head`` main (layer4) / auxiliary (layer3) classifiers.

    Built on the ``meta`` device by default (shapes only, no memory).
    """
    from mmseg.models.backbones.resnet import Bottleneck
    from mmseg.models.segmentors import EncoderDecoder

    import udaplug.models  # noqa: F401  (registers the modules)
    from udaplug.models.backbones import DeepLabResNet

    block = DeepLabResNet.arch_settings[depth][0]
    expansion = block.expansion if block is Bottleneck else 1
    head = dict(type='udaplug.DeepLabV2Head', num_classes=num_classes)
    cfg = dict(
        backbone=dict(type='udaplug.DeepLabResNet', depth=depth),
        decode_head=dict(head, in_channels=512 * expansion, in_index=1))
    if with_auxiliary_head:
        cfg['auxiliary_head'] = dict(
            head, in_channels=256 * expansion, in_index=0)
    with torch.device(device):
        return EncoderDecoder(**cfg)


def _classify_keys(src: Dict, is_init: bool, log: Callable[[str], None]):
    """Split source keys into backbone / classifier (layer5, layer6) /
    unexpected; drop the init's classifier with a note."""
    backbone, classifiers, unexpected = {}, {'5': {}, '6': {}}, []
    for key, value in src.items():
        match = _CLASSIFIER_RE.match(key)
        if match:
            classifiers[match.group(
                1)][f'{match.group(2)}.{match.group(3)}'] = value
        elif _BACKBONE_RE.match(key):
            backbone[key] = value
        else:
            unexpected.append(key)
    if is_init:
        dropped = classifiers['5']
        classifiers['5'] = {}
        if dropped:
            weight = dropped.get('0.weight')
            shape = f' ({weight.shape[0]} classes on {weight.shape[1]} ' \
                'channels)' if weight is not None else ''
            log(f'note: dropped the {len(dropped)} tensors of the init\'s '
                f'classifier {SCALE_PREFIX}layer5{shape}; the converted '
                f'checkpoint holds the backbone only (the official training '
                f'also starts its classifiers from scratch)')
        if classifiers['6']:
            unexpected += [f'layer6.conv2d_list.{k}' for k in classifiers['6']]
            classifiers['6'] = {}
    return backbone, classifiers, unexpected


def _first_weight(classifier: Dict) -> Optional[torch.Tensor]:
    """``conv2d_list.0.weight`` or else the first 4-d weight found."""
    weight = classifier.get('0.weight')
    if weight is None:
        weight = next((v for k, v in sorted(classifier.items())
                       if k.endswith('.weight') and v.dim() == 4), None)
    return weight


def _in_channels(classifier: Dict) -> Optional[int]:
    weight = _first_weight(classifier)
    return None if weight is None else int(weight.shape[1])


def _num_classes(classifier: Dict) -> Optional[int]:
    weight = _first_weight(classifier)
    return None if weight is None else int(weight.shape[0])


def convert_state_dict(
        src: Dict,
        num_classes: Optional[int] = None,
        prefix: str = DEFAULT_PREFIX,
        depth: Optional[int] = None,
        log: Callable[[str], None] = print) -> Tuple[OrderedDict, Dict]:
    """Convert an official state dict to udaplug keys.

    Args:
        src (dict): Official state dict (see the module docstring).
        num_classes (int, optional): Expected number of classes; None takes
            it from the classifiers. A mismatch is an error.
        prefix (str): Prefix of the segmentation network's keys (a missing
            trailing dot is added). Defaults to ``'segmentor.'`` (udaplug UDA
            models); ``''`` gives the keys of a plain mmseg
            ``EncoderDecoder``.
        depth (int, optional): ResNet depth; None infers it from the number
            of blocks per stage.
        log (callable): Where notes go. Defaults to ``print``.

    Returns:
        tuple: The converted state dict (in the target model's key order)
        and a dict describing the conversion (``kind``, ``depth``,
        ``num_classes``, ``notes``...).

    Raises:
        CheckpointConversionError: unexpected keys, missing keys or shape
            mismatches, each listed.
    """
    notes = []
    if prefix and not prefix.endswith('.'):
        prefix += '.'

    def note(msg):
        notes.append(msg)
        log(msg)

    keys = list(src)
    scaled = [k for k in keys if k.startswith(SCALE_PREFIX)]
    is_init = bool(scaled)
    if is_init:
        if len(scaled) != len(keys):
            raise CheckpointConversionError(
                f'some keys have the "{SCALE_PREFIX}" prefix of the '
                f'DeepLab-v2 init and others do not; keys without it:\n'
                f'{_key_list(set(keys) - set(scaled))}')
        src = OrderedDict((k[len(SCALE_PREFIX):], v) for k, v in src.items())
    source_name = (lambda k: SCALE_PREFIX + k) if is_init else (lambda k: k)

    backbone, classifiers, unexpected = _classify_keys(src, is_init, note)
    if unexpected:
        raise CheckpointConversionError(
            'unexpected keys (not part of the DeepLab-v2/AdaptSegNet '
            f'network):\n{_key_list(source_name(k) for k in unexpected)}')

    # Which classifier is which.
    heads = {}  # target head name -> (source layer, tensors)
    if classifiers['6']:
        kind = 'multi_level'
        heads['decode_head'] = ('layer6', classifiers['6'])
        heads['auxiliary_head'] = ('layer5', classifiers['5'])
    elif classifiers['5']:
        in_ch = _in_channels(classifiers['5'])
        if in_ch is None:
            raise CheckpointConversionError(
                'layer5 has no conv weights:\n' + _key_list(
                    source_name(f'layer5.conv2d_list.{k}')
                    for k in classifiers['5']))
        if depth is None:
            depth = infer_depth(backbone)
        from mmseg.models.backbones.resnet import Bottleneck

        from udaplug.models.backbones import DeepLabResNet
        block = DeepLabResNet.arch_settings[depth][0]
        expansion = block.expansion if block is Bottleneck else 1
        if in_ch == 512 * expansion:
            kind = 'single_level'
            heads['decode_head'] = ('layer5', classifiers['5'])
        elif in_ch == 256 * expansion:
            kind = 'multi_level'
            heads['decode_head'] = ('layer6', {})
            heads['auxiliary_head'] = ('layer5', classifiers['5'])
        else:
            raise CheckpointConversionError(
                f'layer5 takes {in_ch} input channels: neither layer4 '
                f'({512 * expansion}, main classifier) nor layer3 '
                f'({256 * expansion}, auxiliary classifier)')
    else:
        kind = 'backbone'
    if depth is None:
        depth = infer_depth(backbone)

    found_classes = {
        name: _num_classes(tensors)
        for name, (_, tensors) in heads.items() if tensors
    }
    found = set(c for c in found_classes.values() if c is not None)
    if len(found) > 1:
        raise CheckpointConversionError(
            f'the classifiers disagree on the number of classes: '
            f'{found_classes}')
    if found:
        file_classes = found.pop()
        if num_classes is not None and num_classes != file_classes:
            raise CheckpointConversionError(
                f'the checkpoint has {file_classes} classes, but '
                f'num_classes={num_classes} was asked for')
        num_classes = file_classes

    # Source -> target (without prefix) and target -> source names.
    converted, origin = OrderedDict(), {}
    for key, value in backbone.items():
        converted[f'backbone.{key}'] = value
        origin[f'backbone.{key}'] = source_name(key)
    for name, (layer, tensors) in heads.items():
        for key, value in tensors.items():
            converted[f'{name}.aspp_convs.{key}'] = value
            origin[f'{name}.aspp_convs.{key}'] = source_name(
                f'{layer}.conv2d_list.{key}')

    model = build_reference_segmentor(
        depth,
        num_classes or 19,
        with_auxiliary_head='auxiliary_head' in heads)
    expected = OrderedDict((k, v) for k, v in model.state_dict().items()
                           if k.split('.', 1)[0] in ('backbone', *heads))

    unexpected = [origin[k] for k in converted if k not in expected]
    if unexpected:
        raise CheckpointConversionError(
            f'unexpected keys for a ResNet-{depth} '
            f'{KIND_DESCRIPTIONS[kind]}:\n{_key_list(unexpected)}')
    missing = [k for k in expected if k not in converted]
    filled = [k for k in missing if k.endswith('.num_batches_tracked')]
    missing = [k for k in missing if k not in filled]
    if missing:

        def describe(k):
            name, rest = k.split('.', 1)
            if name == 'backbone':
                return source_name(rest)
            layer = heads[name][0]
            return (source_name(f'{layer}.conv2d_list.' +
                                rest[len('aspp_convs.'):]) + f' (-> {k})')

        raise CheckpointConversionError(
            f'missing keys for a ResNet-{depth} {KIND_DESCRIPTIONS[kind]}:\n'
            f'{_key_list(describe(k) for k in missing)}')
    mismatched = [
        f'{origin[k]}: {tuple(v.shape)} in the file, '
        f'{tuple(expected[k].shape)} expected' for k, v in converted.items()
        if tuple(v.shape) != tuple(expected[k].shape)
    ]
    if mismatched:
        raise CheckpointConversionError(
            f'shape mismatches:\n{_key_list(mismatched)}')
    if filled:
        note(f'note: the file has no BatchNorm num_batches_tracked counters '
             f'({len(filled)} missing, as in checkpoints of old PyTorch '
             f'versions); they are set to 0')

    out = OrderedDict()
    for key in expected:
        value = converted[key] if key in converted else torch.tensor(
            0, dtype=torch.long)
        out[prefix + key] = value
    info = dict(
        kind=kind,
        description=KIND_DESCRIPTIONS[kind],
        depth=depth,
        num_classes=num_classes if heads else None,
        from_scale_prefixed_init=is_init,
        filled_num_batches_tracked=len(filled),
        prefix=prefix,
        notes=notes)
    return out, info


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def _cityscapes_meta() -> Dict:
    from mmseg.datasets import CityscapesDataset
    return dict(
        classes=list(CityscapesDataset.METAINFO['classes']),
        palette=[list(c) for c in CityscapesDataset.METAINFO['palette']])


def convert_checkpoint(in_path: str,
                       out_path: str,
                       num_classes: Optional[int] = None,
                       prefix: str = DEFAULT_PREFIX,
                       depth: Optional[int] = None,
                       weights_only: bool = True,
                       log: Callable[[str], None] = print) -> Dict:
    """Convert the official checkpoint ``in_path`` and save
    ``{'meta': ..., 'state_dict': ...}`` (mmengine layout) to ``out_path``.

    See :func:`convert_state_dict` for the arguments. 19-class models get
    the Cityscapes class names and palette as ``meta['dataset_meta']`` (the
    official models predict the 19 Cityscapes train ids). Returns the meta.
    """
    src = load_source_checkpoint(in_path, weights_only=weights_only, log=log)
    state_dict, info = convert_state_dict(
        src, num_classes=num_classes, prefix=prefix, depth=depth, log=log)
    from udaplug.version import __version__
    meta = dict(
        converted_from=osp.basename(in_path),
        source_sha256=_sha256(in_path),
        converter='tools/convert_models/adaptsegnet.py',
        udaplug_version=__version__,
        **info)
    if info['num_classes'] == 19:
        meta['dataset_meta'] = _cityscapes_meta()
    torch.save(dict(meta=meta, state_dict=state_dict), out_path)
    return meta


def summary(meta: Dict) -> List[str]:
    """Human-readable lines describing a conversion's meta."""
    heads = {
        'multi_level': 'decode_head (from layer6), auxiliary_head (from '
        'layer5)',
        'single_level': 'decode_head (from layer5)',
        'backbone': 'none',
    }[meta['kind']]
    return [
        f'source: {meta["converted_from"]} - {meta["description"]}',
        f'ResNet-{meta["depth"]}, classes: {meta["num_classes"]}, '
        f'heads: {heads}',
        f'keys under "{meta["prefix"]}" (backbone.*, decode_head.aspp_convs.*'
        ', auxiliary_head.aspp_convs.*)',
    ]

"""Translate the source training set of an input-level UDA model (e.g.
GIO-Ada) into the target style and write it as a new dataset.

    python tools/translate.py CONFIG CHECKPOINT --out DIR
        [--max-images N] [--device cpu|cuda] [--cfg-options key=value ...]

The source dataset is the config's ``train_dataloader.dataset.source`` (or
``train_dataloader.dataset`` when it is not a ``UDADataset``), read with its
training pipeline minus the random transforms (only LoadImageFromFile,
LoadDepthFromFile, LoadAnnotations, Resize and PackSegInputs are kept).

Output layout (GTA5-style; ``<stem>`` is the image path relative to the
source's image folder without its suffix, sub-folders kept)::

    DIR/images/<stem>.png                 translated image (8-bit RGB PNG)
    DIR/labels/<stem>_labelTrainIds.png   its label (8-bit), in the label
                                          space of the source dataset's own
                                          label files (before any metainfo
                                          class selection), 255 = ignore
    DIR/depth/<stem>_depth.png            its depth (16-bit), in the unit of
                                          the source depth files (only when
                                          the pipeline loads depth)
    DIR/translated_source.py              dataset config reading the above
    DIR/translate_info.json               what was written, from what

``translated_source.py`` holds ``translated_source = dict(...)``: the source
dataset config (same type, metainfo and training pipeline) with
``data_root=DIR``, ``data_prefix=dict(img_path='images',
seg_map_path='labels'[, depth_path='depth'])`` and the suffixes above. Use
it in a config with::

    _base_ = [..., 'DIR/translated_source.py']
    train_dataloader = dict(dataset=dict(source=_base_.translated_source))

Images, labels and depth keep the size the pipeline gives them (after
``Resize``, if any).

Model interface: any udaplug model with a source-to-target generator
implementing ``translate_source(inputs, data_samples) -> Tensor``, where
``inputs`` are the data preprocessor's output for a batch of source images
(with ``training=True``, so labels/depth are padded alike) and the result is
(N, 3, H, W) RGB in [0, 1] (see :meth:`udaplug.models.GIOAda.
translate_source`). A model whose generator is optional says whether it has
one with a boolean ``can_translate_source`` attribute.
"""
import argparse
import copy
import json
import os
import os.path as osp
import pprint

import cv2
import numpy as np
import torch
from mmengine.config import DictAction
from mmengine.dataset import pseudo_collate
from mmengine.runner import load_checkpoint
from mmengine.utils import ProgressBar

from udaplug.apis import load_config
from udaplug.registry import DATASETS, MODELS
from udaplug.utils import (explain_unknown_types, mmengine_checkpoint_io,
                           register_all_modules)

KEPT_TRANSFORMS = ('LoadImageFromFile', 'LoadDepthFromFile', 'LoadAnnotations',
                   'Resize', 'PackSegInputs')
PACK_META_KEYS = ('img_path', 'seg_map_path', 'depth_map_path', 'ori_shape',
                  'img_shape', 'pad_shape', 'scale_factor', 'flip',
                  'flip_direction', 'reduce_zero_label')
LABEL_SUFFIX = '_labelTrainIds.png'
DEPTH_SUFFIX = '_depth.png'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write the source set translated by a UDA model')
    parser.add_argument('config', help='training config of the model')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--max-images',
        type=int,
        default=None,
        help='translate only the first N images')
    parser.add_argument(
        '--device',
        default=None,
        help='cuda or cpu (default: cuda when available)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args(argv)


def _type_name(cfg: dict) -> str:
    return str(cfg.get('type', '')).split('.')[-1]


def source_dataset_cfg(cfg) -> dict:
    """The labelled source dataset of a training config."""
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    if _type_name(dataset) == 'UDADataset':
        dataset = dataset.source
    if _type_name(dataset) in ('ConcatDataset', 'RepeatDataset'):
        raise ValueError(
            f'tools/translate.py: the source dataset is a '
            f'{_type_name(dataset)}; translate each dataset on its own')
    return dataset.to_dict() if hasattr(dataset, 'to_dict') else dataset


def deterministic_pipeline(pipeline: list) -> list:
    """The pipeline without random (augmentation) transforms; PackSegInputs
    keeps the depth path."""
    kept = []
    for t in pipeline:
        name = _type_name(t)
        if name not in KEPT_TRANSFORMS:
            print(f'tools/translate.py: leaving out {name} (not a loading '
                  'or resizing transform)')
            continue
        if name == 'PackSegInputs':
            t = dict(t, meta_keys=PACK_META_KEYS)
        kept.append(t)
    if not kept or _type_name(kept[-1]) != 'PackSegInputs':
        kept.append(dict(type='PackSegInputs', meta_keys=PACK_META_KEYS))
    return kept


def depth_to_file_unit(depth: np.ndarray, loader) -> np.ndarray:
    """Undo LoadDepthFromFile's scaling: the values of the 16-bit file."""
    if loader.normalize:
        lo, hi = loader.depth_range
        raw = depth * (hi - lo) + lo
    else:
        raw = depth / loader.scale
    return np.clip(np.round(raw), 0, 65535).astype(np.uint16)


def _depth_loader(dataset):
    from udaplug.datasets.transforms import LoadDepthFromFile
    for t in getattr(dataset.pipeline, 'transforms', []):
        if isinstance(t, LoadDepthFromFile):
            return t
    return None


def _stem(dataset, img_path: str) -> str:
    rel = osp.relpath(img_path, dataset.data_prefix['img_path'])
    suffix = getattr(dataset, 'img_suffix', '')
    if suffix and rel.endswith(suffix):
        rel = rel[:-len(suffix)]
    return rel


def _write(path: str, array: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, array):
        raise OSError(f'could not write {path}')


def build_model(cfg, checkpoint: str, device: str):
    model = MODELS.build(cfg.model)
    if not callable(getattr(model, 'translate_source', None)) or \
            not getattr(model, 'can_translate_source', True):
        raise TypeError(
            f'tools/translate.py: this {type(model).__name__} model has no '
            'source-to-target generator (it needs a translate_source('
            'inputs, data_samples) method and, if it has the attribute, '
            'can_translate_source=True; GIOAda: input_level=True)')
    with mmengine_checkpoint_io():  # torch's weights_only loading
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    return model.to(device).eval()


def translated_dataset_cfg(source_cfg: dict, out: str,
                           with_depth: bool) -> dict:
    dataset = copy.deepcopy(source_cfg)
    prefix = dict(img_path='images', seg_map_path='labels')
    if with_depth:
        prefix['depth_path'] = 'depth'
        dataset['depth_suffix'] = DEPTH_SUFFIX
    dataset.update(
        data_root=osp.abspath(out),
        data_prefix=prefix,
        img_suffix='.png',
        seg_map_suffix=LABEL_SUFFIX)
    dataset.pop('ann_file', None)
    return dataset


def translate(cfg,
              checkpoint: str,
              out: str,
              max_images=None,
              device=None) -> dict:
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    model = build_model(cfg, checkpoint, device)
    source_cfg = source_dataset_cfg(cfg)
    read_cfg = dict(
        source_cfg, pipeline=deterministic_pipeline(source_cfg['pipeline']))
    dataset = DATASETS.build(read_cfg)
    dataset.full_init()
    depth_loader = _depth_loader(dataset)
    total = len(dataset) if max_images is None else min(
        len(dataset), max_images)
    bar = ProgressBar(total)
    for idx in range(total):
        info = dataset.get_data_info(idx)
        # labels in the label files' own space: the reading config applies
        # its metainfo class selection again
        info['label_map'] = None
        sample = dataset.pipeline(info)
        data = model.data_preprocessor(pseudo_collate([sample]), True)
        data_sample = data['data_samples'][0]
        with torch.no_grad():
            rgb = model.translate_source(data['inputs'], data['data_samples'])
        h, w = data_sample.metainfo['img_shape'][:2]
        image = (rgb[0, :, :h, :w].permute(1, 2, 0).cpu().numpy() * 255)
        stem = _stem(dataset, info['img_path'])
        _write(
            osp.join(out, 'images', stem + '.png'),
            np.round(image).astype(np.uint8)[..., ::-1])
        label = data_sample.gt_sem_seg.data[0, :h, :w].cpu().numpy()
        _write(
            osp.join(out, 'labels', stem + LABEL_SUFFIX),
            label.astype(np.uint8))
        if depth_loader is not None:
            depth = data_sample.gt_depth_map.data[0, :h, :w].cpu().numpy()
            _write(
                osp.join(out, 'depth', stem + DEPTH_SUFFIX),
                depth_to_file_unit(depth, depth_loader))
        bar.update()
    print()
    dataset_cfg = translated_dataset_cfg(source_cfg, out, depth_loader
                                         is not None)
    with open(osp.join(out, 'translated_source.py'), 'w') as f:
        f.write('# Dataset config of the images translated by '
                'tools/translate.py\n'
                f'# (model: {type(model).__name__}, checkpoint: '
                f'{checkpoint}).\n')
        f.write('translated_source = ' +
                pprint.pformat(dataset_cfg, sort_dicts=False, width=76) + '\n')
    info = dict(
        config=getattr(cfg, 'filename', None),
        checkpoint=checkpoint,
        model=type(model).__name__,
        source_dataset=source_cfg.get('type'),
        num_images=total,
        depth=depth_loader is not None,
        layout=dict(
            images='images/<stem>.png',
            labels=f'labels/<stem>{LABEL_SUFFIX}',
            depth=f'depth/<stem>{DEPTH_SUFFIX}'
            if depth_loader is not None else None))
    with open(osp.join(out, 'translate_info.json'), 'w') as f:
        json.dump(info, f, indent=1)
    return info


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    with explain_unknown_types():
        info = translate(cfg, args.checkpoint, args.out, args.max_images,
                         args.device)
    print(f'Wrote {info["num_images"]} translated images to {args.out}; '
          f'dataset config: {osp.join(args.out, "translated_source.py")}')
    return info


if __name__ == '__main__':
    main()

"""Checks, before training starts, of the datasets the offline writers
produce: pseudo-labelled target sets and translated source sets.

:func:`check_derived_datasets` runs in :func:`udaplug.apis.build_runner`
(so for ``tools/train.py`` and every pipeline train stage) on each dataset
config of the train/val/test dataloaders that reads pseudo-labels (its
``seg_map_suffix`` is the writer's) or a translated set (its ``data_root``
holds ``translate_info.json``).
"""
import os.path as osp
from typing import Optional

import cv2
import numpy as np
from PIL import Image

from .offline import plain, read_json
from .pseudo_label_writer import (INFO_FORMAT, PSEUDO_LABEL_INFO,
                                  PSEUDO_LABEL_SUFFIX, allowed_file_values,
                                  model_num_classes)
from .translation import TRANSLATE_INFO

_MAX_LISTED = 5


class PseudoLabelError(ValueError):
    """Pseudo-labels are missing, incomplete, or do not fit the dataset or
    the model."""


class IncompleteTranslationError(FileNotFoundError):
    """A translated dataset lacks images (unfinished or partly deleted)."""


def is_pseudo_label_dataset(node) -> bool:
    """Whether a dataset config reads pseudo-labels written by udaplug."""
    return isinstance(node, dict) and \
        node.get('seg_map_suffix') == PSEUDO_LABEL_SUFFIX


def is_translated_dataset(node) -> bool:
    """Whether a dataset config reads a translated set written by
    udaplug."""
    root = node.get('data_root') if isinstance(node, dict) else None
    return isinstance(root, str) and osp.isfile(osp.join(root, TRANSLATE_INFO))


def pseudo_label_folder(dataset_cfg: dict) -> str:
    """The label folder a pseudo-labelled dataset config reads."""
    prefix = (dataset_cfg.get('data_prefix') or {}).get('seg_map_path')
    if not prefix:
        raise PseudoLabelError(
            'a dataset config with seg_map_suffix='
            f"'{PSEUDO_LABEL_SUFFIX}' has no data_prefix['seg_map_path'] "
            '(the pseudo-label folder)')
    root = dataset_cfg.get('data_root')
    return prefix if osp.isabs(prefix) or not root else osp.join(root, prefix)


def _write_hint(out: str) -> str:
    return ('Write them (again) with: python tools/pseudo_label.py CONFIG '
            f'CHECKPOINT --out {out}, or with the pipeline stage that writes '
            'them (python tools/train.py PIPELINE_CONFIG).')


def _listed(items, total: int, what: str) -> str:
    lines = '\n'.join(f'  {item}' for item in items[:_MAX_LISTED])
    more = len(items) - _MAX_LISTED
    return (f'{len(items)} of {total} {what}:\n{lines}' +
            (f'\n  ... and {more} more' if more > 0 else ''))


def check_pseudo_label_dataset(dataset_cfg: dict,
                               num_classes: Optional[int] = None) -> dict:
    """Check a pseudo-labelled dataset config and its label files.

    Raises :class:`PseudoLabelError`, naming the folder or the first bad
    file, when the folder or its info file is missing or unfinished, a
    target image has no label file, the labels were written for another
    class set (the info file's classes differ from the dataset's) or for a
    model with another number of classes than ``num_classes``, a label
    file does not have its image's size, or it holds values that are not
    one of the dataset's classes (or 255). Every label file is read once.

    Returns:
        dict: The info file's contents.
    """
    from udaplug.datasets.checks import LabelNotFoundError
    from .offline import build_dataset
    dataset_cfg = plain(dataset_cfg)
    label_dir = pseudo_label_folder(dataset_cfg)
    out = osp.dirname(osp.normpath(label_dir))
    if not osp.isdir(label_dir):
        raise PseudoLabelError(
            f'pseudo-label folder not found: {label_dir} (absolute: '
            f'{osp.abspath(label_dir)}). ' + _write_hint(out))
    info_path = osp.join(out, PSEUDO_LABEL_INFO)
    if not osp.isfile(info_path):
        raise PseudoLabelError(
            f'{label_dir}: no {PSEUDO_LABEL_INFO} in {out}, so these '
            'pseudo-labels were not written by udaplug or their writing '
            'stopped before it started. ' + _write_hint(out))
    info = read_json(info_path)
    if info.get('format') != INFO_FORMAT or info.get('status') != 'complete':
        raise PseudoLabelError(
            f'{out}: the pseudo-labels are incomplete (the writing started '
            f'{info.get("started")} did not finish: {info_path} says status='
            f'{info.get("status")!r}). ' + _write_hint(out))
    try:
        dataset = build_dataset(dict(dataset_cfg, pipeline=[]))
    except LabelNotFoundError as err:
        raise PseudoLabelError(
            f'{out}: the pseudo-labels are incomplete, some target images '
            f'have no label file in {label_dir}. ' + _write_hint(out) +
            f'\n{err}') from err
    classes = list(dataset.metainfo['classes'])
    name = type(dataset).__name__
    if list(info.get('classes') or []) != classes:
        raise PseudoLabelError(
            f'{out}: these pseudo-labels were written for another class '
            f'set: {info_path} lists {len(info.get("classes") or [])} '
            f'classes {tuple(info.get("classes") or [])}, but the dataset '
            f'{name} reading them has {len(classes)} classes '
            f'{tuple(classes)}. Write pseudo-labels for these classes (with '
            'a model trained on them), or give the dataset the classes they '
            'were written for.')
    file_classes = list(
        getattr(type(dataset), 'METAINFO', {}).get('classes') or classes)
    if info.get('file_classes') and list(info['file_classes']) != \
            file_classes:
        raise PseudoLabelError(
            f'{out}: these pseudo-labels use the label-file classes of '
            f'another dataset ({len(info["file_classes"])} classes '
            f'{tuple(info["file_classes"])}); {name} reads label files with '
            f'{len(file_classes)} classes {tuple(file_classes)}. ' +
            _write_hint(out))
    if num_classes is not None and num_classes != len(classes):
        raise PseudoLabelError(
            f'{out}: the model predicts {num_classes} classes, but these '
            f'pseudo-labels and the dataset {name} have {len(classes)} '
            f'classes {tuple(classes)}. Set num_classes={len(classes)} in '
            'the model or use pseudo-labels written for its classes.')
    allowed = np.zeros(256, dtype=bool)
    allowed[allowed_file_values(dataset)] = True
    for idx in range(len(dataset)):
        sample = dataset.get_data_info(idx)
        img_path, seg_path = sample['img_path'], sample['seg_map_path']
        label = cv2.imread(seg_path, cv2.IMREAD_UNCHANGED)
        if label is None:
            raise PseudoLabelError(
                f'{seg_path}: cannot read this pseudo-label file (corrupt or '
                'truncated?). ' + _write_hint(out))
        if label.ndim != 2 or label.dtype != np.uint8:
            raise PseudoLabelError(
                f'{seg_path}: a pseudo-label file must be a single-channel '
                f'8-bit PNG, this one is {label.dtype} with shape '
                f'{label.shape}. ' + _write_hint(out))
        with Image.open(img_path) as image:
            width, height = image.size
        if label.shape != (height, width):
            raise PseudoLabelError(
                f'{seg_path}: wrong size {label.shape[1]}x{label.shape[0]} '
                f'(width x height); its image {img_path} is {width}x{height}.'
                ' Pseudo-labels have the size of their image: were they '
                'written for other images? ' + _write_hint(out))
        counts = np.bincount(label.ravel(), minlength=256)
        bad = np.flatnonzero((counts > 0) & ~allowed)
        if bad.size:
            raise PseudoLabelError(
                f'{seg_path}: holds the values {bad.tolist()}, which are not '
                f'label-file values of the {len(classes)} classes of {name} '
                f'(allowed: {np.flatnonzero(allowed).tolist()}, 255 = '
                'ignore). Were they written for another class set? ' +
                _write_hint(out))
    return info


def check_translated_dataset(dataset_cfg: dict) -> dict:
    """Raise :class:`IncompleteTranslationError` naming the missing images
    when a translated set (``translate_info.json`` in its data root) did
    not finish or lost images. Returns the info file's contents."""
    root = dataset_cfg['data_root']
    info_path = osp.join(root, TRANSLATE_INFO)
    info = read_json(info_path)
    hint = ('Translate again: python tools/translate.py CONFIG CHECKPOINT '
            f'--out {root} (or rerun the pipeline stage that writes it).')
    if info.get('status') != 'complete':
        raise IncompleteTranslationError(
            f'{root}: the translated dataset is incomplete (the translation '
            f'started {info.get("started")} did not finish: {info_path} says '
            f'status={info.get("status")!r}). ' + hint)
    stems = list(info.get('images') or [])
    missing = [
        osp.join(root, 'images', stem + '.png') for stem in stems
        if not osp.isfile(osp.join(root, 'images', stem + '.png'))
    ]
    if missing:
        raise IncompleteTranslationError(
            f'{root}: the translated dataset is incomplete, ' +
            _listed(missing, len(stems), 'translated images are missing') +
            '\n' + hint)
    return info


def check_derived_datasets(cfg, model=None) -> None:
    """Check every pseudo-labelled and translated dataset that ``cfg``'s
    dataloaders read (see the module docstring); ``model`` gives the number
    of classes the pseudo-labels must have."""
    from udaplug.apis.runner import visit_dataloaders
    from udaplug.models.uda import unwrap
    num_classes = model_num_classes(unwrap(model)) if model is not None \
        else None
    seen = set()

    def visit(node):
        pseudo = is_pseudo_label_dataset(node)
        if not pseudo and not is_translated_dataset(node):
            return
        key = repr(sorted(plain(node).items(), key=lambda kv: kv[0]))
        if key in seen:
            return
        seen.add(key)
        if pseudo:
            check_pseudo_label_dataset(node, num_classes)
        else:
            check_translated_dataset(node)

    visit_dataloaders(cfg, visit)

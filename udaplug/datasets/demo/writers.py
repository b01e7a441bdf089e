"""Writing the demo pair in the released on-disk formats of GTA5, SYNTHIA
and Cityscapes, running the converters, and a preview image."""
import json
import os
import os.path as osp
from typing import Optional, Tuple

import cv2
import numpy as np

from ..converters import (convert_cityscapes, convert_gta5, convert_synthia,
                          run_tasks, write_palette_png, write_png)
from ..label_sets import CITYSCAPES_ID_COLOURS
from .render import render_sample
from .styles import (DEFAULT_SIZE, DEMO_CITIES, DEMO_DEPTH_RANGE, SOURCE_STYLE,
                     TARGET_STYLES)


def _write_rgb(path: str, rgb: np.ndarray) -> None:
    write_png(path, np.ascontiguousarray(rgb[..., ::-1]))


def _write_source(out: str, index: int, sample: dict) -> None:
    _write_rgb(
        osp.join(out, 'gta5', 'images', f'{index + 1:05d}.png'), sample['img'])
    write_palette_png(
        osp.join(out, 'gta5', 'labels', f'{index + 1:05d}.png'),
        sample['label_ids'], CITYSCAPES_ID_COLOURS)
    name = f'{index:07d}.png'
    _write_rgb(osp.join(out, 'synthia', 'RGB', name), sample['img'])
    h, w = sample['synthia_ids'].shape
    gt = np.zeros((h, w, 3), np.uint16)  # BGR order for OpenCV
    gt[..., 2] = sample['synthia_ids']  # R: class id
    gt[..., 1] = sample['instance']  # G: instance id
    write_png(osp.join(out, 'synthia', 'GT', 'LABELS', name), gt)
    depth = np.repeat(sample['depth_cm'][..., None], 3, axis=2)
    write_png(osp.join(out, 'synthia', 'Depth', 'Depth', name), depth)


def _write_target(out: str, split: str, index: int, sample: dict) -> None:
    city = DEMO_CITIES[split]
    stem = f'{city}_000000_{index:06d}'
    _write_rgb(
        osp.join(out, 'cityscapes', 'leftImg8bit', split, city,
                 f'{stem}_leftImg8bit.png'), sample['img'])
    write_png(
        osp.join(out, 'cityscapes', 'gtFine', split, city,
                 f'{stem}_gtFine_labelIds.png'), sample['label_ids'])


def _make_one(job: tuple) -> None:
    out, seed, kind, stream, i, size, target_style = job
    rng = np.random.default_rng([seed, stream, i])
    if kind == 'source':
        _write_source(out, i, render_sample(rng, SOURCE_STYLE, size))
    else:
        _write_target(out, kind, i,
                      render_sample(rng, TARGET_STYLES[target_style], size))


def make_demo_data(out: str = 'data/demo',
                   seed: int = 0,
                   num_source: int = 200,
                   num_target_train: int = 100,
                   num_target_val: int = 50,
                   size: Tuple[int, int] = DEFAULT_SIZE,
                   convert: bool = True,
                   nproc: int = 1,
                   quiet: bool = False,
                   target_style: str = 'cityscapes') -> dict:
    """Generate the demo domain pair under ``out`` (see the module doc).

    Deterministic for a given ``seed``, counts and ``size`` (width,
    height), whatever ``nproc`` (each image has its own random stream).
    With ``convert`` the GTA5, SYNTHIA and Cityscapes converters run
    afterwards (and an error is raised if they report a problem).
    ``target_style`` names the target's look (a key of
    :data:`~.styles.TARGET_STYLES`): ``'cityscapes'``, the demo pair's
    target, or ``'dusk'``, a second target domain of the same scenes and
    classes in other light, to check that a method is not fitted to the
    first. Either is written in Cityscapes' layout and formats.

    Returns:
        dict: What was written (also saved as ``out/demo_info.json``).
    """
    width, height = size
    if width < 32 or height < 16:
        raise ValueError(f'demo image size {size} is too small (at least '
                         '32x16)')
    if target_style not in TARGET_STYLES:
        raise ValueError(f'demo target style {target_style!r} is unknown; '
                         f'choose one of {sorted(TARGET_STYLES)}')
    size = (int(width), int(height))
    jobs = [(out, seed, kind, stream, i, size, target_style)
            for kind, stream, num in (('source', 0, num_source),
                                      ('train', 1, num_target_train),
                                      ('val', 2, num_target_val))
            for i in range(num)]
    run_tasks(_make_one, jobs, nproc, quiet)
    info = dict(
        seed=seed,
        size=dict(width=width, height=height),
        num_source=num_source,
        num_target_train=num_target_train,
        num_target_val=num_target_val,
        source_styles=['gta5', 'synthia'],
        target_style=target_style,
        depth_unit='cm',
        depth_range=list(DEMO_DEPTH_RANGE),
        cities=DEMO_CITIES)
    if convert:
        reports = []
        if num_source:
            reports += [
                convert_gta5(osp.join(out, 'gta5'), nproc, quiet),
                convert_synthia(osp.join(out, 'synthia'), nproc, quiet=quiet)
            ]
        if num_target_train or num_target_val:
            reports.append(
                convert_cityscapes(osp.join(out, 'cityscapes'), nproc, quiet))
        for report in reports:
            if not quiet:
                print('\n' + report.format())
            if report.exit_code:
                raise RuntimeError(f'demo data: the {report.dataset} '
                                   'converter reported problems:\n' +
                                   report.format())
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'demo_info.json'), 'w') as f:
        json.dump(info, f, indent=1)
    return info


def write_preview(out: str, path: Optional[str] = None, num: int = 4) -> str:
    """Stack a few source and target images side by side (a quick look at
    the domain gap)."""
    src = sorted(os.listdir(osp.join(out, 'gta5', 'images')))[:num]
    city = DEMO_CITIES['train']
    tgt_dir = osp.join(out, 'cityscapes', 'leftImg8bit', 'train', city)
    tgt = sorted(os.listdir(tgt_dir))[:num]
    rows = []
    for a, b in zip(src, tgt):
        rows.append(
            np.concatenate([
                cv2.imread(osp.join(out, 'gta5', 'images', a)),
                cv2.imread(osp.join(tgt_dir, b))
            ],
                           axis=1))
    path = path or osp.join(out, 'preview.png')
    cv2.imwrite(path, np.concatenate(rows, axis=0))
    return path

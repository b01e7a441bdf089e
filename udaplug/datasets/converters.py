"""Label and depth conversion shared by ``tools/convert_datasets/*.py``.

Label-id PNGs are read with PIL (:func:`read_label_ids_and_palette`): GTA5
releases its labels as 8-bit palette images whose palette index is the
Cityscapes label id, and OpenCV would expand those to their colours.
Cityscapes, KITTI and Synscapes label ids are 8-bit grey images.

Every converter follows mmseg's Cityscapes convention: next to each source
label ``<name>.png`` it writes ``<name>_labelTrainIds.png`` (uint8, train ids
of the dataset's label set, 255 = ignore). Where a dataset has depth that is
not already a single-channel 16-bit PNG it writes one (SYNTHIA:
``<name>_depth_cm.png``, centimetres). It also writes
``DATA_ROOT/<dataset>_class_stats.json`` with the pixel count per train id of
every label image (and the depth range of every depth map), and returns a
:class:`ConversionReport` naming every unreadable file and every file with
values outside the label map.

The functions ``convert_<dataset>(data_root, nproc)`` are what the command
line tools call.
"""
import argparse
import json
import os
import os.path as osp
import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.utils import track_parallel_progress, track_progress
from PIL import Image

from udaplug.utils.errors import check_data_root
from .label_sets import (CITYSCAPES_CLASSES, CITYSCAPES_ID_COLOURS,
                         CITYSCAPES_ID_NAMES, CITYSCAPES_ID_TO_TRAINID,
                         GIOADA_CLASSES, IGNORE_INDEX, SYNTHIA_CLASSES,
                         SYNTHIA_ID_TO_TRAINID16, SYNTHIA_MAX_ID,
                         VKITTI_CATEGORY_TO_CLASS, lookup_table)

TRAIN_ID_SUFFIX = '_labelTrainIds.png'
DEPTH_CM_SUFFIX = '_depth_cm.png'
#: Channel of SYNTHIA's GT/LABELS that holds the class id, in OpenCV's BGR
#: order (the R channel; the G channel holds instance ids).
SYNTHIA_CLASS_CHANNEL = 2
_GENERATED = (TRAIN_ID_SUFFIX, DEPTH_CM_SUFFIX)

Problem = Tuple[str, str]  # (file, what is wrong)

#: PIL modes of label-id PNGs: palette (GTA5 as released: the palette index
#: is the label id), 8-bit grey (Cityscapes ``*_gtFine_labelIds.png``, KITTI,
#: Synscapes) and 16-bit grey.
LABEL_ID_MODES = ('P', 'L', 'I;16', 'I;16L', 'I;16B', 'I')
_MODE_NAMES = {
    'RGB': '3-channel colour image',
    'RGBA': '4-channel colour image',
    'LA': 'grey image with alpha',
    'PA': 'palette image with alpha',
    '1': '1-bit image',
    'CMYK': 'CMYK colour image',
}


class CorruptFileError(OSError):
    """A file cannot be decoded."""


class LabelFormatError(ValueError):
    """A label file is not in the format its dataset releases."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f'{path}: {reason}')
        self.path = path
        self.reason = reason


@dataclass
class ConversionReport:
    """What a converter did and what went wrong."""
    dataset: str
    data_root: str
    num_labels: int = 0
    problems: List[Problem] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    stats_file: Optional[str] = None
    depth_range: Optional[Tuple[int, int]] = None

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def format(self) -> str:
        lines = [
            f'{self.dataset}: converted {self.num_labels} label files in '
            f'{self.data_root}'
        ]
        if self.stats_file:
            lines.append(f'class-pixel statistics: {self.stats_file}')
        if self.depth_range is not None:
            lines.append(
                f'depth range over the dataset: {self.depth_range[0]} .. '
                f'{self.depth_range[1]} (file unit, cm); use it as '
                'LoadDepthFromFile(depth_range=...) to normalise to [0, 1]')
        lines += [f'note: {n}' for n in self.notes]
        if self.problems:
            lines.append(f'{len(self.problems)} problem(s):')
            lines += [f'  {path}: {what}' for path, what in self.problems]
        else:
            lines.append('no problems found')
        return '\n'.join(lines)


# -- small helpers ---------------------------------------------------------
def read_png(path: str) -> np.ndarray:
    """Read a PNG unchanged (bit depth and channels kept), raising
    :class:`CorruptFileError` if it cannot be decoded."""
    if not osp.isfile(path):
        raise CorruptFileError(f'file not found: {path}')
    with open(path, 'rb') as f:
        data = f.read()
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise CorruptFileError('corrupt, truncated or not an image file')
    return img


def read_label_ids_and_palette(
        path: str) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read a label-id PNG as its (H, W) map of ids, with PIL, and its
    palette: a (N, 3) uint8 array of the colours of indices 0..N-1 for a
    palette image, ``None`` for a grey one.

    Palette images give their palette indices (GTA5's labels: the index is
    the Cityscapes label id), grey images their values. OpenCV is not used:
    ``cv2.imread(path, cv2.IMREAD_UNCHANGED)`` expands a palette image to
    the colours of its palette.

    Raises:
        CorruptFileError: The file is missing or cannot be decoded.
        LabelFormatError: The file is a colour image (e.g. a colour
            visualisation such as Cityscapes' ``*_gtFine_color.png``).
    """
    if not osp.isfile(path):
        raise CorruptFileError(f'file not found: {path}')
    try:
        with Image.open(path) as img:
            img.load()
            mode, (width, height) = img.mode, img.size
            ids = np.asarray(img) if mode in LABEL_ID_MODES else None
            palette = (
                np.asarray(img.getpalette() or [], np.uint8).reshape(-1, 3)
                if mode == 'P' else None)
    except (OSError, SyntaxError, ValueError) as err:
        raise CorruptFileError(
            'corrupt, truncated or not an image file') from err
    if ids is None:
        what = _MODE_NAMES.get(mode, f'PIL mode {mode} image')
        raise LabelFormatError(
            path, f'a {what} ({width}x{height}, PIL mode {mode}); expected '
            'a label-id PNG: an 8-bit palette image whose palette indices '
            'are the Cityscapes label ids (as GTA5 releases its labels), or '
            'a single-channel grey image of label ids (Cityscapes '
            '*_gtFine_labelIds.png, KITTI, Synscapes). A colour '
            'visualisation of the labels cannot be converted.')
    return ids, palette


def write_palette_png(path: str, ids: np.ndarray,
                      colours: Dict[int, Tuple[int, int, int]]) -> None:
    """Write an (H, W) map of ids < 256 as an 8-bit palette PNG whose
    palette gives id ``i`` the colour ``colours[i]`` (black for the others):
    the format of GTA5's label files with
    :data:`~udaplug.datasets.label_sets.CITYSCAPES_ID_COLOURS`."""
    ids = np.asarray(ids)
    if ids.ndim != 2 or ids.size and (ids.min() < 0 or ids.max() > 255):
        raise ValueError(f'{path}: a palette PNG holds an (H, W) map of ids '
                         f'0..255, got shape {ids.shape}')
    palette = np.zeros((256, 3), np.uint8)
    for i, colour in colours.items():
        palette[i] = colour
    img = Image.fromarray(np.ascontiguousarray(ids, dtype=np.uint8))
    img.putpalette(palette.ravel().tolist())  # mode L -> P, same indices
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    img.save(path)


def write_png(path: str, array: np.ndarray) -> None:
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    if not cv2.imwrite(path, array):
        raise OSError(f'cannot write {path}')


def train_id_path(label_path: str) -> str:
    """``a/b.png`` -> ``a/b_labelTrainIds.png``."""
    return label_path[:-len('.png')] + TRAIN_ID_SUFFIX


def find_pngs(folder: str,
              suffix: str = '.png',
              exclude: Sequence[str] = _GENERATED) -> List[str]:
    """Every ``*suffix`` file below ``folder`` (sorted), without the files
    the converters write."""
    found = []
    for root, _, files in os.walk(folder):
        for name in files:
            if name.endswith(suffix) and not name.endswith(tuple(exclude)):
                found.append(osp.join(root, name))
    return sorted(found)


def remap_ids(label: np.ndarray, lut: np.ndarray,
              valid: np.ndarray) -> Tuple[np.ndarray, List[int], Dict]:
    """Map label ids through ``lut``.

    Returns the uint8 train-id map, the sorted values outside the map (they
    become 255) and the pixel count per train id.
    """
    flat = label.ravel().astype(np.int64)
    hist = np.bincount(flat, minlength=len(lut))
    present = np.flatnonzero(hist)
    outside = [int(v) for v in present if v >= len(lut) or not valid[v]]
    safe = np.where(flat < len(lut), flat, 0)
    out = lut[safe]
    out[flat >= len(lut)] = IGNORE_INDEX
    counts: Dict[str, int] = {}
    for value in present:
        tid = int(lut[value]) if value < len(lut) else IGNORE_INDEX
        counts[str(tid)] = counts.get(str(tid), 0) + int(hist[value])
    return out.reshape(label.shape), outside, counts


def palette_mismatches(palette: Optional[np.ndarray], ids: np.ndarray,
                       checked: np.ndarray) -> List[Tuple[int, tuple]]:
    """For a palette PNG of label ids (its ``palette`` and ``ids`` as
    :func:`read_label_ids_and_palette` reads them): ``(id, colour)`` for each
    id in ``ids`` for which ``checked[id]`` is true and whose palette colour
    is not the Cityscapes colour of that label id
    (:data:`~udaplug.datasets.label_sets.CITYSCAPES_ID_COLOURS`, the palette
    GTA5 releases its labels with); ``[]`` for grey images (``palette``
    None). A mismatch means the indices may not be label ids, e.g. a colour
    rendering re-saved as a palette image by a tool that picked its own
    palette."""
    if palette is None:
        return []
    present = np.flatnonzero(np.bincount(ids.ravel(), minlength=256))
    out = []
    for i in present:
        i = int(i)
        if i >= len(checked) or not checked[i]:
            continue
        colour = tuple(int(c) for c in palette[i]) if i < len(palette) \
            else None
        if colour != CITYSCAPES_ID_COLOURS.get(i):
            out.append((i, colour))
    return out


def _palette_message(mismatches: List[Tuple[int, tuple]]) -> str:
    i, colour = mismatches[0]
    name = CITYSCAPES_ID_NAMES[i]
    more = (f' (and {len(mismatches) - 1} more ids)'
            if len(mismatches) > 1 else '')
    return (f'palette index {i} has the colour {colour}, but Cityscapes label '
            f'id {i} ({name}) is {CITYSCAPES_ID_COLOURS[i]}{more}: the '
            'palette indices of this file may not be Cityscapes label ids '
            '(GTA5 releases its labels with the Cityscapes colours; was it '
            're-saved with another palette?). It was converted as label ids.')


def _outside_message(outside: List[int], hint: str = '') -> str:
    shown = ', '.join(str(v) for v in outside[:10])
    more = ' ...' if len(outside) > 10 else ''
    return (f'label values outside the label map: {shown}{more} '
            f'(written as {IGNORE_INDEX})' + hint)


def _result(rel: str, counts=None, problems=(), depth=None) -> dict:
    return dict(label=rel, counts=counts, problems=list(problems), depth=depth)


# -- per-file workers (module level, so they can run in a process pool) ----
def convert_id_label(task: Tuple[str, str, np.ndarray, np.ndarray]) -> dict:
    """Convert one label-id PNG (GTA5: palette image, Cityscapes, KITTI,
    Synscapes: grey; read by :func:`read_label_ids_and_palette`).
    ``task = (data_root, relative path, lut, valid)``."""
    root, rel, lut, valid = task
    src = osp.join(root, rel)
    try:
        label, palette = read_label_ids_and_palette(src)
    except CorruptFileError as err:
        return _result(rel, problems=[(rel, str(err))])
    except LabelFormatError as err:
        return _result(rel, problems=[(rel, err.reason)])
    out, outside, counts = remap_ids(label, lut, valid)
    problems = [(rel, _outside_message(outside))] if outside else []
    # the ids that become train ids: their colours are the same in every
    # Cityscapes-style palette (the void ids' are not checked)
    mismatches = palette_mismatches(palette, label,
                                    valid & (lut != IGNORE_INDEX))
    if mismatches:
        problems.append((rel, _palette_message(mismatches)))
    write_png(train_id_path(src), out)
    return _result(rel, counts, problems)


def convert_synthia_sample(task: Tuple[str, str, Optional[str], int]) -> dict:
    """Convert one SYNTHIA label (class id in channel ``channel`` of the
    BGR-ordered 16-bit PNG) and, if given, its 3-channel depth PNG.
    ``task = (data_root, label rel path, depth rel path or None, channel)``.
    """
    root, rel, depth_rel, channel = task
    lut, valid = lookup_table(SYNTHIA_ID_TO_TRAINID16, size=SYNTHIA_MAX_ID + 1)
    problems: List[Problem] = []
    counts = None
    src = osp.join(root, rel)
    try:
        label = read_png(src)
    except CorruptFileError as err:
        label = None
        problems.append((rel, str(err)))
    if label is not None:
        if label.ndim != 3 or label.shape[2] < 3:
            problems.append(
                (rel, f'expected a 3-channel SYNTHIA label PNG (class id in '
                 f'R), got shape {label.shape}'))
        else:
            ids = label[..., channel]
            out, outside, counts = remap_ids(ids, lut, valid)
            if outside:
                problems.append((
                    rel,
                    _outside_message(
                        outside,
                        f'; SYNTHIA class ids are 0..{SYNTHIA_MAX_ID}: is the '
                        f'class channel right? It is R, i.e. index '
                        f'{SYNTHIA_CLASS_CHANNEL} of cv2.imread(path, '
                        f'cv2.IMREAD_UNCHANGED) (BGR); channel {channel} was '
                        'read, and the G channel holds instance ids')))
            write_png(train_id_path(src), out)
    depth = None
    if depth_rel is not None:
        depth, depth_problems = _convert_synthia_depth(
            root, depth_rel, label.shape[:2] if label is not None else None)
        problems += depth_problems
    return _result(rel, counts, problems, depth)


def _convert_synthia_depth(root: str, rel: str, shape) -> tuple:
    src = osp.join(root, rel)
    try:
        depth = read_png(src)
    except CorruptFileError as err:
        return None, [(rel, str(err))]
    if depth.dtype != np.uint16:
        return None, [(rel, f'expected a 16-bit depth PNG, got {depth.dtype}')]
    if depth.ndim == 3:
        if not all(
                np.array_equal(depth[..., 0], depth[..., c])
                for c in range(1, depth.shape[2])):
            return None, [(rel, 'the channels of the depth PNG differ; '
                           'expected three identical channels')]
        depth = depth[..., 0]
    if shape is not None and depth.shape != tuple(shape):
        return None, [(rel, f'depth is {depth.shape} but its label is '
                       f'{tuple(shape)}')]
    write_png(src[:-len('.png')] + DEPTH_CM_SUFFIX, depth)
    return (int(depth.min()), int(depth.max())), []


def parse_vkitti_encoding(path: str) -> Tuple[Dict[int, int], List[str]]:
    """Read a Virtual KITTI ``*_scenegt_rgb_encoding.txt`` colour table.

    Returns ``{packed rgb: train id}`` for GIO-Ada's 10 classes (255 for the
    categories without one) and the category names that udaplug does not
    know (they map to 255).
    """
    table: Dict[int, int] = {}
    unknown: List[str] = []
    with open(path) as f:
        lines = [line.strip() for line in f if line.strip()]
    if not lines:
        raise ValueError(f'empty colour table {path}')
    for line in lines[1:] if lines[0].lower().startswith('category') \
            else lines:
        parts = line.split()
        if len(parts) != 4:
            raise ValueError(f'{path}: cannot parse line "{line}" (expected '
                             '"Category[:id] r g b")')
        category = parts[0].split(':')[0]
        r, g, b = (int(v) for v in parts[1:])
        if category in VKITTI_CATEGORY_TO_CLASS:
            name = VKITTI_CATEGORY_TO_CLASS[category]
            tid = GIOADA_CLASSES.index(name) if name else IGNORE_INDEX
        else:
            tid = IGNORE_INDEX
            if category not in unknown:
                unknown.append(category)
        table[(r << 16) | (g << 8) | b] = tid
    return table, unknown


def convert_vkitti_sample(
        task: Tuple[str, str, Optional[str], Dict[int, int]]) -> dict:
    """Convert one Virtual KITTI colour label via its world's colour table,
    and read its depth map (kept as is) for the statistics.
    ``task = (data_root, label rel path, depth rel path or None, table)``.
    """
    root, rel, depth_rel, table = task
    src = osp.join(root, rel)
    try:
        bgr = read_png(src)
    except CorruptFileError as err:
        return _result(rel, problems=[(rel, str(err))])
    if bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
        return _result(
            rel,
            problems=[(rel, f'expected an 8-bit RGB class image, got shape '
                       f'{bgr.shape} {bgr.dtype}')])
    packed = ((bgr[..., 2].astype(np.int64) << 16) |
              (bgr[..., 1].astype(np.int64) << 8) | bgr[..., 0])
    colours, inverse = np.unique(packed.ravel(), return_inverse=True)
    ids = np.array([table.get(int(c), -1) for c in colours], dtype=np.int64)
    out = ids[inverse].reshape(packed.shape)
    problems: List[Problem] = []
    missing = [int(c) for c, i in zip(colours, ids) if i < 0]
    if missing:
        shown = ', '.join(f'({c >> 16}, {(c >> 8) & 255}, {c & 255})'
                          for c in missing[:10])
        problems.append(
            (rel, f'colours not in the colour table: {shown} (written as '
             f'{IGNORE_INDEX})'))
        out[out < 0] = IGNORE_INDEX
    out = out.astype(np.uint8)
    hist = np.bincount(out.ravel(), minlength=256)
    counts = {str(int(v)): int(hist[v]) for v in np.flatnonzero(hist)}
    write_png(train_id_path(src), out)
    depth = None
    if depth_rel is not None:
        try:
            d = read_png(osp.join(root, depth_rel))
        except CorruptFileError as err:
            problems.append((depth_rel, str(err)))
        else:
            if d.ndim != 2 or d.dtype != np.uint16:
                problems.append(
                    (depth_rel, f'expected a single-channel 16-bit depth '
                     f'PNG, got shape {d.shape} {d.dtype}'))
            elif d.shape != out.shape:
                problems.append((depth_rel, f'depth is {d.shape} but its '
                                 f'label is {out.shape}'))
            else:
                depth = (int(d.min()), int(d.max()))
    return _result(rel, counts, problems, depth)


# -- running and reporting -------------------------------------------------
def run_tasks(func: Callable,
              tasks: list,
              nproc: int = 1,
              quiet: bool = False) -> list:
    """Run ``func`` over ``tasks`` with mmengine's progress bar (none if
    ``quiet``), in ``nproc`` processes if ``nproc > 1``."""
    if not tasks:
        return []
    with open(os.devnull, 'w') if quiet else nullcontext(sys.stdout) as out:
        if nproc > 1:
            return track_parallel_progress(func, list(tasks), nproc, file=out)
        return track_progress(func, list(tasks), file=out)


def _finish(dataset: str, key: str, data_root: str, classes: Sequence[str],
            results: List[dict], notes: Sequence[str] = ()) -> \
        ConversionReport:
    report = ConversionReport(dataset=dataset, data_root=data_root)
    report.notes = list(notes)
    images, depths = {}, {}
    total: Dict[str, int] = {}
    for res in results:
        report.problems += [tuple(p) for p in res['problems']]
        if res['counts'] is not None:
            report.num_labels += 1
            images[res['label']] = res['counts']
            for tid, n in res['counts'].items():
                total[tid] = total.get(tid, 0) + n
        if res['depth'] is not None:
            depths[res['label']] = list(res['depth'])
    stats = dict(
        dataset=dataset,
        classes=list(classes),
        ignore_index=IGNORE_INDEX,
        note='pixel count per train id of each converted label file '
        '(keys: train ids as strings)',
        total=dict(sorted(total.items(), key=lambda kv: int(kv[0]))),
        images=images)
    if depths:
        lo = min(d[0] for d in depths.values())
        hi = max(d[1] for d in depths.values())
        report.depth_range = (lo, hi)
        stats['depth_unit'] = 'cm'
        stats['depth_range'] = [lo, hi]
        stats['depth'] = depths
    report.stats_file = osp.join(data_root, f'{key}_class_stats.json')
    with open(report.stats_file, 'w') as f:
        json.dump(stats, f, indent=1)
    return report


def _id_dataset(dataset: str,
                key: str,
                data_root: str,
                label_files: List[str],
                nproc: int,
                quiet: bool = False) -> ConversionReport:
    lut, valid = lookup_table(CITYSCAPES_ID_TO_TRAINID)
    tasks = [(data_root, osp.relpath(p, data_root), lut, valid)
             for p in label_files]
    return _finish(dataset, key, data_root, CITYSCAPES_CLASSES,
                   run_tasks(convert_id_label, tasks, nproc, quiet))


def _nonempty(files: List[str], folder: str, dataset: str,
              pattern: str) -> List[str]:
    if not files:
        raise FileNotFoundError(
            f'{dataset}: no label files ({pattern}) found in {folder}')
    return files


def convert_gta5(data_root: str,
                 nproc: int = 1,
                 quiet: bool = False) -> ConversionReport:
    """GTA5: ``labels/NNNNN.png`` (8-bit palette images whose palette index
    is the Cityscapes label id; 8-bit grey id images are accepted too) ->
    train ids (19)."""
    check_data_root(data_root, 'GTA5', what='data root')
    folder = check_data_root(
        osp.join(data_root, 'labels'), 'GTA5', what='label folder')
    files = _nonempty(find_pngs(folder), folder, 'GTA5', '*.png')
    return _id_dataset('GTA5', 'gta5', data_root, files, nproc, quiet)


def convert_cityscapes(data_root: str,
                       nproc: int = 1,
                       quiet: bool = False) -> ConversionReport:
    """Cityscapes: ``gtFine/<split>/<city>/*_gtFine_labelIds.png`` ->
    ``*_gtFine_labelTrainIds.png`` (19 classes)."""
    check_data_root(data_root, 'Cityscapes', what='data root')
    folder = check_data_root(
        osp.join(data_root, 'gtFine'), 'Cityscapes', what='label folder')
    files = _nonempty(
        find_pngs(folder, '_gtFine_labelIds.png'), folder, 'Cityscapes',
        '*_gtFine_labelIds.png')
    lut, valid = lookup_table(CITYSCAPES_ID_TO_TRAINID)
    tasks = [(data_root, osp.relpath(p, data_root), lut, valid) for p in files]
    results = run_tasks(_convert_cityscapes_label, tasks, nproc, quiet)
    return _finish('Cityscapes', 'cityscapes', data_root, CITYSCAPES_CLASSES,
                   results)


def _convert_cityscapes_label(task) -> dict:
    # *_gtFine_labelIds.png -> *_gtFine_labelTrainIds.png (mmseg's names)
    root, rel, lut, valid = task
    res = convert_id_label(task)
    src = osp.join(root, rel)
    written = train_id_path(src)
    if osp.isfile(written):
        os.replace(
            written,
            src.replace('_gtFine_labelIds.png', '_gtFine_labelTrainIds.png'))
    return res


def convert_kitti(data_root: str,
                  nproc: int = 1,
                  quiet: bool = False) -> ConversionReport:
    """KITTI semantics: ``training/semantic/*.png`` (Cityscapes ids) ->
    19 Cityscapes train ids (the dataset selects the 10-class set)."""
    check_data_root(data_root, 'KITTI', what='data root')
    folder = check_data_root(
        osp.join(data_root, 'training', 'semantic'),
        'KITTI',
        what='label folder')
    files = _nonempty(find_pngs(folder), folder, 'KITTI', '*.png')
    return _id_dataset('KITTI', 'kitti', data_root, files, nproc, quiet)


def convert_synscapes(data_root: str,
                      nproc: int = 1,
                      quiet: bool = False) -> ConversionReport:
    """Synscapes: ``img/class/<n>.png`` (Cityscapes ids) -> train ids."""
    check_data_root(data_root, 'Synscapes', what='data root')
    folder = check_data_root(
        osp.join(data_root, 'img', 'class'), 'Synscapes', what='label folder')
    files = _nonempty(find_pngs(folder), folder, 'Synscapes', '*.png')
    return _id_dataset('Synscapes', 'synscapes', data_root, files, nproc,
                       quiet)


def convert_synthia(data_root: str,
                    nproc: int = 1,
                    channel: int = SYNTHIA_CLASS_CHANNEL,
                    with_depth: bool = True,
                    quiet: bool = False) -> ConversionReport:
    """SYNTHIA-RAND-CITYSCAPES: ``GT/LABELS/*.png`` -> 16-class train ids,
    ``Depth/Depth/*.png`` (3 identical 16-bit channels) ->
    ``*_depth_cm.png`` (one channel, centimetres)."""
    check_data_root(data_root, 'SYNTHIA', what='data root')
    folder = check_data_root(
        osp.join(data_root, 'GT', 'LABELS'), 'SYNTHIA', what='label folder')
    files = _nonempty(find_pngs(folder), folder, 'SYNTHIA', '*.png')
    depth_dir = osp.join(data_root, 'Depth', 'Depth')
    notes = []
    if with_depth and not osp.isdir(depth_dir):
        notes.append(f'no depth folder {depth_dir}: depth not converted')
        with_depth = False
    tasks = []
    for path in files:
        depth_rel = None
        if with_depth:
            depth = osp.join(depth_dir, osp.basename(path))
            depth_rel = osp.relpath(depth, data_root)
        tasks.append((data_root, osp.relpath(path,
                                             data_root), depth_rel, channel))
    results = run_tasks(convert_synthia_sample, tasks, nproc, quiet)
    return _finish('SYNTHIA', 'synthia', data_root, SYNTHIA_CLASSES, results,
                   notes)


def convert_vkitti(data_root: str,
                   nproc: int = 1,
                   with_depth: bool = True,
                   quiet: bool = False) -> ConversionReport:
    """Virtual KITTI 1.3.1: colour class images -> GIO-Ada's 10 train ids;
    depth (already single-channel 16-bit cm) is kept and only checked."""
    check_data_root(data_root, 'Virtual KITTI', what='data root')
    gt_dir = check_data_root(
        osp.join(data_root, 'vkitti_1.3.1_scenegt'),
        'Virtual KITTI',
        what='class ground-truth folder')
    depth_dir = osp.join(data_root, 'vkitti_1.3.1_depthgt')
    notes = []
    if with_depth and not osp.isdir(depth_dir):
        notes.append(f'no depth folder {depth_dir}: depth not checked')
        with_depth = False
    tables: Dict[str, Dict[int, int]] = {}
    results: List[dict] = []
    tasks = []
    for path in _nonempty(
            find_pngs(gt_dir), gt_dir, 'Virtual KITTI',
            '<world>/<variation>/*.png'):
        rel = osp.relpath(path, data_root)
        parts = osp.relpath(path, gt_dir).split(osp.sep)
        if len(parts) != 3:
            results.append(
                _result(
                    rel,
                    problems=[(rel, 'not in <world>/<variation>/<frame>.png')
                              ]))
            continue
        key = f'{parts[0]}_{parts[1]}'
        if key not in tables:
            enc = osp.join(gt_dir, f'{key}_scenegt_rgb_encoding.txt')
            try:
                tables[key], unknown = parse_vkitti_encoding(enc)
            except (OSError, ValueError) as err:
                tables[key] = None
                results.append(
                    _result(
                        osp.relpath(enc, data_root),
                        problems=[(osp.relpath(enc, data_root),
                                   f'colour table unusable: {err}')]))
                unknown = []
            if unknown:
                notes.append(f'{key}: categories {unknown} have no class '
                             f'and are written as {IGNORE_INDEX}')
        if tables[key] is None:
            results.append(
                _result(
                    rel,
                    problems=[(rel,
                               f'not converted: no colour table for {key}')]))
            continue
        depth_rel = None
        if with_depth:
            depth_rel = osp.relpath(
                osp.join(depth_dir, parts[0], parts[1], parts[2]), data_root)
        tasks.append((data_root, rel, depth_rel, tables[key]))
    results += run_tasks(convert_vkitti_sample, tasks, nproc, quiet)
    return _finish('Virtual KITTI', 'vkitti', data_root, GIOADA_CLASSES,
                   results, notes)


CONVERTERS: Dict[str, Callable[..., ConversionReport]] = dict(
    gta5=convert_gta5,
    cityscapes=convert_cityscapes,
    kitti=convert_kitti,
    synscapes=convert_synscapes,
    synthia=convert_synthia,
    vkitti=convert_vkitti)


def main(name: str, argv: Optional[Sequence[str]] = None) -> int:
    """Command line of ``tools/convert_datasets/<name>.py``: convert, print
    the report, return the exit code (1 if any problem was found)."""
    convert = CONVERTERS[name]
    parser = argparse.ArgumentParser(
        description=(convert.__doc__ or '').strip().split('\n')[0])
    parser.add_argument('data_root', help='folder of the unpacked dataset')
    parser.add_argument(
        '--nproc', type=int, default=1, help='number of processes')
    args = parser.parse_args(argv)
    report = convert(args.data_root, nproc=args.nproc)
    print('\n' + report.format())
    return report.exit_code

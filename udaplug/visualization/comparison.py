"""A side-by-side figure of several methods' predictions on the same
images: image | label | prediction of each method, one row per image, a
header naming the columns and a legend of the classes."""
import glob
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

GAP = 2  # pixels between cells
BACKGROUND = (255, 255, 255)  # BGR
TEXT = (0, 0, 0)
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _read(path: str) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f'comparison: cannot read {path}')
    return img


def _find_image(image_dir: str, stem: str) -> str:
    found = glob.glob(
        osp.join(image_dir, '**',
                 glob.escape(stem) + '.*'), recursive=True)
    if not found:
        raise FileNotFoundError(
            f'comparison: no image named {stem}.* under {image_dir}')
    return sorted(found)[0]


def _fit_text(text: str, width: int, height: int) -> Tuple[float, int]:
    """The largest font scale (<= 0.5) at which ``text`` fits."""
    scale = 0.5
    while scale > 0.25:
        (w, h), _ = cv2.getTextSize(text, FONT, scale, 1)
        if w <= width - 4 and h <= height - 6:
            break
        scale -= 0.05
    return scale, 1


def _text_cell(text: str, width: int, height: int) -> np.ndarray:
    cell = np.full((height, width, 3), BACKGROUND, np.uint8)
    scale, thickness = _fit_text(text, width, height)
    (w, h), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    x = max(2, (width - w) // 2)
    y = (height + h) // 2
    cv2.putText(cell, text, (x, y), FONT, scale, TEXT, thickness, cv2.LINE_AA)
    return cell


def _hstack(cells: List[np.ndarray]) -> np.ndarray:
    h = cells[0].shape[0]
    gap = np.full((h, GAP, 3), BACKGROUND, np.uint8)
    out = [cells[0]]
    for cell in cells[1:]:
        out += [gap, cell]
    return np.concatenate(out, axis=1)


def _legend(classes: Sequence[str], palette: Sequence[Sequence[int]],
            width: int) -> np.ndarray:
    entry_w, entry_h, swatch = 150, 18, 12
    per_row = max(1, width // entry_w)
    rows = (len(classes) + per_row - 1) // per_row
    legend = np.full((rows * entry_h + 4, width, 3), BACKGROUND, np.uint8)
    for i, (name, colour) in enumerate(zip(classes, palette)):
        x = (i % per_row) * entry_w + 4
        y = (i // per_row) * entry_h + 4
        rgb = [int(c) for c in colour]
        cv2.rectangle(legend, (x, y), (x + swatch, y + swatch),
                      (rgb[2], rgb[1], rgb[0]), -1)
        cv2.rectangle(legend, (x, y), (x + swatch, y + swatch), TEXT, 1)
        cv2.putText(legend, str(name), (x + swatch + 4, y + swatch - 1), FONT,
                    0.4, TEXT, 1, cv2.LINE_AA)
    return legend


def write_comparison(out_file: str,
                     image_dir: str,
                     columns: Sequence[Tuple[str, str]],
                     rows: int = 4,
                     classes: Optional[Sequence[str]] = None,
                     palette: Optional[Sequence[Sequence[int]]] = None,
                     header_height: int = 24) -> List[str]:
    """Write the figure to ``out_file``.

    Args:
        out_file (str): PNG to write.
        image_dir (str): Folder (searched recursively) of the images.
        columns (list): ``(title, folder)`` per method, each folder holding
            ``<stem>_pred.png`` (and the first one ``<stem>_label.png``)
            colour images as written by :class:`SegPredictionDumpHook`.
        rows (int): Number of images: the first ``rows`` stems (sorted) of
            the first method's predictions.
        classes, palette: Names and RGB colours for a legend (optional).
        header_height (int): Height of the header row in pixels.

    Returns:
        list[str]: The stems of the images shown.
    """
    if not columns:
        raise ValueError('comparison: no methods to show')
    first = columns[0][1]
    stems = sorted(
        osp.basename(p)[:-len('_pred.png')]
        for p in glob.glob(osp.join(first, '*_pred.png')))[:rows]
    if not stems:
        raise FileNotFoundError(f'comparison: no *_pred.png in {first}')
    lines = []
    size = None
    for stem in stems:
        label = _read(osp.join(first, f'{stem}_label.png'))
        size = label.shape[1], label.shape[0]
        image = cv2.resize(
            _read(_find_image(image_dir, stem)),
            size,
            interpolation=cv2.INTER_AREA)
        preds = [
            _read(osp.join(folder, f'{stem}_pred.png'))
            for _, folder in columns
        ]
        for (title, folder), pred in zip(columns, preds):
            if pred.shape[:2] != label.shape[:2]:
                raise ValueError(f'comparison: {folder}/{stem}_pred.png is '
                                 f'{pred.shape[1]}x{pred.shape[0]}, the label '
                                 f'{size[0]}x{size[1]}')
        lines.append(_hstack([image, label, *preds]))
    titles = ['target image', 'label'] + [title for title, _ in columns]
    header = _hstack([_text_cell(t, size[0], header_height) for t in titles])
    width = header.shape[1]
    gap = np.full((GAP, width, 3), BACKGROUND, np.uint8)
    parts = [header]
    for line in lines:
        parts += [gap, line]
    if classes is not None and palette is not None:
        parts += [gap, _legend(classes, palette, width)]
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    if not cv2.imwrite(out_file, np.concatenate(parts, axis=0)):
        raise OSError(f'comparison: cannot write {out_file}')
    return stems

"""How much translated images take on the target domain's colours, class
by class, and how sharp they are.

    python tools/analysis/class_colours.py SET_DIR [SET_DIR ...] \
        --cityscapes data/cityscapes [--split train] [--size W H] \
        [--label-set cityscapes19] [--min-pixels 500] [--max-images N] \
        [--batch-size 32] [--out f.json]

SET_DIR: a folder of ``images/<stem>.<png|jpg>`` with train-id labels
``labels/<stem>_labelTrainIds.png``, the layout written by the translate
stage and ``tools/translate.py`` (translated source) and by
``tools/convert_datasets.py`` for GTA5 (the untranslated source, the
baseline). The reference is a Cityscapes-layout root
(``leftImg8bit/<split>/<city>/*_leftImg8bit.png`` with
``gtFine/<split>/<city>/*_gtFine_labelTrainIds.png``): labelled target
images, used only to measure. ``--label-set`` names the classes of the
sets' labels (``cityscapes19``, or ``synthia16`` / ``synthia13`` for
translated SYNTHIA, whose train ids index those classes); the reference's
Cityscapes train ids are mapped to it by class name. Without it, the
classes come from the sets' ``translate_info.json`` (the translate stage
records the source's classes there), else ``cityscapes19``; a set whose
``translate_info.json`` names other classes than ``--label-set`` is
refused.

For each set it prints (:mod:`udaplug.visualization.image_stats`):

- ``class_colour_distance``: the mean over classes of the Euclidean
  distance (RGB, 0-255) between the set's and the target's mean colour of
  that class's pixels (classes with at least ``--min-pixels`` pixels in
  both); 0 when every class has the target's colour;
- ``gradient``: the mean magnitude of the grey-level image gradient (0-255
  per pixel), to set against the target's: blur lowers it, colour noise
  and fringes raise it;
- ``high_frequency_fraction``: the share of the variance at periods under
  4 pixels (white noise about 0.75).

Every image is resized to ``--size`` (default: the first reference
image's size), images with area interpolation, labels nearest.
"""
import argparse
import glob
import json
import os.path as osp
import sys
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from udaplug.datasets.label_sets import (CITYSCAPES_CLASSES, IGNORE_INDEX,
                                         LABEL_SETS)
from udaplug.pipelines.offline import read_json
from udaplug.pipelines.translation import TRANSLATE_INFO
from udaplug.visualization import (class_colour_distance_of_means,
                                   class_colour_means, high_frequency_power)

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        'sets', nargs='+', help='folders of images/ and labels/')
    parser.add_argument(
        '--cityscapes', required=True, help='Cityscapes-layout target root')
    parser.add_argument('--split', default='train')
    parser.add_argument(
        '--size', type=int, nargs=2, metavar=('W', 'H'), help='compare size')
    parser.add_argument(
        '--label-set',
        choices=sorted(LABEL_SETS),
        help="the classes the sets' train-id labels index (default: those "
        "of the sets' translate_info.json, else cityscapes19)")
    parser.add_argument('--min-pixels', type=int, default=500)
    parser.add_argument('--max-images', type=int, help='per set')
    parser.add_argument(
        '--batch-size', type=int, default=32, help='images read at a time')
    parser.add_argument('--out', help='write the figures to this JSON file')
    return parser.parse_args(argv)


def recorded_classes(root: str) -> Optional[Tuple[str, ...]]:
    """The classes a translated set's ``translate_info.json`` records (the
    source dataset's), or None (no such file, or written without them)."""
    path = osp.join(root, TRANSLATE_INFO)
    if not osp.isfile(path):
        return None
    try:
        classes = read_json(path).get('classes')
    except (OSError, ValueError, AttributeError) as err:
        raise ValueError(f'{path}: not a readable translate_info.json '
                         f'({err})') from None
    return tuple(classes) if classes else None


def resolve_label_set(
        sets: Sequence[str],
        label_set: Optional[str] = None) -> Tuple[str, Tuple[str, ...]]:
    """(name, classes) of the sets' labels: ``label_set`` when given (every
    set's recorded classes must be its classes), else the classes the
    sets' ``translate_info.json`` record (all the same), else
    ``cityscapes19``. The name of recorded classes that are no known label
    set is ``'recorded'``."""
    recorded = {root: recorded_classes(root) for root in sets}
    if label_set is not None:
        classes = tuple(LABEL_SETS[label_set][0])
        for root, got in recorded.items():
            if got is not None and got != classes:
                raise ValueError(
                    f'{osp.join(root, TRANSLATE_INFO)}: its labels index '
                    f'{len(got)} classes ({", ".join(got[:4])}, ...), not '
                    f'the {len(classes)} of --label-set {label_set}; drop '
                    '--label-set or give the right one')
        return label_set, classes
    known = {got for got in recorded.values() if got is not None}
    if len(known) > 1:
        listed = '; '.join(f'{root}: {len(got)} classes'
                           for root, got in recorded.items()
                           if got is not None)
        raise ValueError('the sets were translated from datasets with other '
                         f'classes ({listed}): compare them in separate runs')
    if not known:
        return 'cityscapes19', tuple(LABEL_SETS['cityscapes19'][0])
    classes = known.pop()
    for name, (named, _) in LABEL_SETS.items():
        if tuple(named) == classes:
            return name, classes
    return 'recorded', classes


def set_pairs(root: str,
              max_images: Optional[int] = None) -> List[Tuple[str, str]]:
    """(image, label) paths of an ``images/`` + ``labels/`` folder."""
    image_dir = osp.join(root, 'images')
    images = sorted(
        p for p in glob.glob(osp.join(image_dir, '*'))
        if p.lower().endswith(IMAGE_SUFFIXES))
    if not images:
        raise FileNotFoundError(f'{root}: no images in {image_dir} (expected '
                                'images/<stem>.png and '
                                'labels/<stem>_labelTrainIds.png)')
    pairs = []
    for path in images[:max_images]:
        stem = osp.splitext(osp.basename(path))[0]
        label = osp.join(root, 'labels', f'{stem}_labelTrainIds.png')
        if not osp.isfile(label):
            raise FileNotFoundError(f'{path}: its label {label} is missing')
        pairs.append((path, label))
    return pairs


def cityscapes_pairs(
        root: str,
        split: str,
        max_images: Optional[int] = None) -> List[Tuple[str, str]]:
    """(image, train-id label) paths of a Cityscapes split."""
    pattern = osp.join(root, 'leftImg8bit', split, '*', '*_leftImg8bit.png')
    images = sorted(glob.glob(pattern))
    if not images:
        raise FileNotFoundError(f'no Cityscapes images match {pattern}')
    pairs = []
    for path in images[:max_images]:
        label = path.replace(
            osp.join(root, 'leftImg8bit'), osp.join(root, 'gtFine'),
            1)[:-len('_leftImg8bit.png')] + '_gtFine_labelTrainIds.png'
        if not osp.isfile(label):
            raise FileNotFoundError(
                f'{path}: its label {label} is missing (run '
                'tools/convert_datasets.py cityscapes for the train ids)')
        pairs.append((path, label))
    return pairs


def read_pairs(pairs: Sequence[Tuple[str, str]],
               size: Tuple[int, int],
               num_classes: int,
               lut: Optional[np.ndarray] = None,
               hint: str = '') -> Tuple[torch.Tensor, torch.Tensor]:
    """(N, 3, H, W) RGB float images in 0-255 and (N, H, W) labels at
    ``size`` (W, H). Label values must be below ``num_classes`` or the
    ignore index (the error names the file and adds ``hint``); they are
    then mapped through ``lut`` (``num_classes`` entries; the ignore index
    stays) when given."""
    images, labels = [], []
    for image_path, label_path in pairs:
        image = cv2.imread(image_path, cv2.IMREAD_COLOR)
        label = cv2.imread(label_path, cv2.IMREAD_UNCHANGED)
        if image is None:
            raise ValueError(f'{image_path}: not a readable image')
        if label is None or label.ndim != 2:
            raise ValueError(f'{label_path}: not a single-channel label '
                             'image')
        bad = np.unique(label[(label >= num_classes)
                              & (label != IGNORE_INDEX)])
        if len(bad):
            raise ValueError(f'{label_path}: label values {bad.tolist()} are '
                             f'not train ids of {num_classes} classes{hint}')
        if lut is not None:
            label = np.where(label == IGNORE_INDEX, IGNORE_INDEX,
                             lut[np.minimum(label,
                                            len(lut) - 1)])
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        label = cv2.resize(label, size, interpolation=cv2.INTER_NEAREST)
        images.append(image[..., ::-1].astype(np.float32))
        labels.append(label.astype(np.int64))
    return (torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2),
            torch.from_numpy(np.stack(labels)))


def set_statistics(pairs: Sequence[Tuple[str, str]],
                   size: Tuple[int, int],
                   num_classes: int,
                   lut: Optional[np.ndarray] = None,
                   hint: str = '',
                   batch_size: int = 32) -> dict:
    """A set's class colour means and counts over ``num_classes``, mean
    grey gradient (central differences) and high-frequency share,
    accumulated over batches of ``batch_size`` images so that a whole
    dataset is never in memory. ``lut``: maps the files' label values
    (``len(lut)`` classes) to the ``num_classes``."""
    file_classes = num_classes if lut is None else len(lut)
    sums = counts = None
    grad_sum, grad_count = 0.0, 0
    high = total = 0.0
    for start in range(0, len(pairs), batch_size):
        images, labels = read_pairs(pairs[start:start + batch_size], size,
                                    file_classes, lut, hint)
        means, n = class_colour_means(images, labels, num_classes)
        part = torch.nan_to_num(means) * n[:, None]
        sums = part if sums is None else sums + part
        counts = n if counts is None else counts + n
        grey = images.mean(dim=1).double()
        gy = grey[:, 2:, 1:-1] - grey[:, :-2, 1:-1]
        gx = grey[:, 1:-1, 2:] - grey[:, 1:-1, :-2]
        magnitude = 0.5 * torch.sqrt(gx**2 + gy**2)
        grad_sum += float(magnitude.sum())
        grad_count += magnitude.numel()
        h, t = high_frequency_power(images)
        high, total = high + float(h), total + float(t)
    return dict(
        num_images=len(pairs),
        means=sums / counts[:, None],
        counts=counts,
        gradient=grad_sum / grad_count,
        high_frequency_fraction=high / total if total > 0 else 0.0)


def class_colours(sets: Sequence[str],
                  cityscapes: str,
                  split: str = 'train',
                  size: Optional[Tuple[int, int]] = None,
                  label_set: Optional[str] = None,
                  min_pixels: int = 500,
                  max_images: Optional[int] = None,
                  batch_size: int = 32) -> dict:
    """The figures of every set and of the target itself (key
    ``'target'``); ``label_set``: see :func:`resolve_label_set`."""
    names = ['target', *sets]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f'each set once, and none named "target": '
                         f'{repeated} given more than once')
    label_set, classes = resolve_label_set(sets, label_set)
    num_classes = len(classes)
    # Cityscapes train id -> index in the label set (255: not in it)
    lut = np.full(len(CITYSCAPES_CLASSES), IGNORE_INDEX, dtype=np.uint8)
    for train_id, name in enumerate(CITYSCAPES_CLASSES):
        if name in classes:
            lut[train_id] = classes.index(name)
    ref_pairs = cityscapes_pairs(cityscapes, split, max_images)
    if size is None:
        h, w = cv2.imread(ref_pairs[0][0], cv2.IMREAD_COLOR).shape[:2]
        size = (w, h)
    size = tuple(int(s) for s in size)
    hint = ' (Cityscapes train ids; run tools/convert_datasets.py cityscapes)'
    stats = dict(
        target=set_statistics(ref_pairs, size, num_classes, lut, hint,
                              batch_size))
    for root in sets:
        stats[root] = set_statistics(
            set_pairs(root, max_images), size, num_classes, None,
            f' of the label set {label_set} (wrong --label-set?)', batch_size)
    ref = stats['target']
    results = {}
    for name, st in stats.items():
        dist = class_colour_distance_of_means(st['means'], st['counts'],
                                              ref['means'], ref['counts'],
                                              min_pixels)
        results[name] = dict(
            num_images=st['num_images'],
            class_colour_distance=dist['distance'],
            classes=dist['classes'],
            gradient=st['gradient'],
            high_frequency_fraction=st['high_frequency_fraction'])
    return dict(size=list(size), label_set=label_set, results=results)


def main(argv=None):
    args = parse_args(argv)
    try:
        out = class_colours(args.sets, args.cityscapes, args.split, args.size,
                            args.label_set, args.min_pixels, args.max_images,
                            args.batch_size)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'class_colours: {err}')
    print(f'at {out["size"][0]}x{out["size"][1]}:')
    for name, r in out['results'].items():
        print(f'{name}: {r["num_images"]} images, class colour distance '
              f'{r["class_colour_distance"]:.1f} over '
              f'{len(r["classes"])} classes, gradient {r["gradient"]:.2f}, '
              f'high-frequency share {r["high_frequency_fraction"]:.3f}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(out, f, indent=2)
    return out


if __name__ == '__main__':
    main()

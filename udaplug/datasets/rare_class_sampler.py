"""Rare-class sampling of source images (DAFormer)."""
import glob
import json
import math
import os.path as osp
import re
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from udaplug.registry import DATA_SAMPLERS

IGNORE_INDEX = 255
# label file suffixes of the converted datasets -> of the converted files
_CONVERTED_SUFFIXES = ('_gtFine_labelTrainIds.png', '_labelTrainIds.png')
_SOURCE_SUFFIXES = ('_gtFine_labelIds.png', '.png')


class ClassStatsNotFoundError(FileNotFoundError):
    """A dataset has no class-pixel statistics (its converter was not
    run)."""


def rare_class_probabilities(
        pixel_counts: Dict[int, int],
        temperature: float) -> Tuple[List[int], np.ndarray]:
    """DAFormer's rare-class sampling distribution (Hoyer et al., CVPR 2022,
    Sec. 3, "Rare Class Sampling"): with ``f_c`` the fraction of labelled
    source pixels of class ``c``,

        P(c) = exp((1 - f_c) / T) / sum_c' exp((1 - f_c') / T).

    Classes without pixels get no probability (the official
    ``get_rcs_class_probs`` only knows classes found in the statistics);
    ``T = inf`` samples the classes uniformly.

    Args:
        pixel_counts (dict): Class id -> number of pixels (ignore excluded).
        temperature (float): ``T``; smaller favours rare classes more.

    Returns:
        tuple: the class ids (ascending frequency, as the official code) and
        their probabilities.
    """
    if not temperature > 0:
        raise ValueError(f'rare-class sampling: temperature must be > 0, got '
                         f'{temperature}')
    items = sorted(((c, n) for c, n in pixel_counts.items() if n > 0),
                   key=lambda kv: kv[1])
    if not items:
        raise ValueError('rare-class sampling: the statistics hold no '
                         'labelled pixels')
    classes = [int(c) for c, _ in items]
    freq = np.array([n for _, n in items], dtype=np.float64)
    freq = freq / freq.sum()
    logits = (1.0 - freq) / temperature
    if math.isinf(temperature):
        logits = np.zeros_like(freq)
    logits = logits - logits.max()
    probs = np.exp(logits)
    return classes, probs / probs.sum()


def _label_stem(rel: str, suffixes: Sequence[str]) -> str:
    rel = rel.replace(osp.sep, '/')
    for suffix in suffixes:
        if rel.endswith(suffix):
            return rel[:-len(suffix)]
    return rel


def stats_key(dataset) -> Optional[str]:
    """The name of a dataset's statistics file, ``<key>_class_stats.json``,
    from its converter command (``tools/convert_datasets/<key>.py``)."""
    converter = getattr(dataset, 'CONVERTER', None) or ''
    match = re.search(r'convert_datasets/(\w+)\.py', converter)
    return match.group(1) if match else None


def find_stats_file(dataset) -> str:
    """The class statistics JSON of ``dataset`` in its data root, or a
    :class:`ClassStatsNotFoundError` naming the converter to run."""
    root = getattr(dataset, 'data_root', None) or ''
    key = stats_key(dataset)
    name = type(dataset).__name__
    if key is not None:
        path = osp.join(root, f'{key}_class_stats.json')
        if osp.isfile(path):
            return path
        expected = path
    else:
        found = sorted(glob.glob(osp.join(root, '*_class_stats.json')))
        if len(found) == 1:
            return found[0]
        expected = osp.join(root, '<dataset>_class_stats.json')
    converter = None
    if hasattr(dataset, '_converter'):
        converter = dataset._converter()
    hint = (f'Run the dataset\'s converter, which writes it: {converter}'
            if converter else 'Run the dataset\'s converter from '
            'tools/convert_datasets/ (see docs/datasets.md), which writes it.')
    raise ClassStatsNotFoundError(
        f'Rare-class sampling needs the class-pixel statistics of the source '
        f'dataset {name} (data root {root or "."}): {expected} not found. '
        f'{hint}')


def load_class_stats(dataset,
                     stats_file: Optional[str] = None) -> List[Dict[int, int]]:
    """Pixels per class of every sample of ``dataset`` (in its order), read
    from the converter's statistics and mapped through the dataset's
    ``label_map`` (a ``metainfo`` class subset); the ignore index is
    dropped."""
    path = stats_file or find_stats_file(dataset)
    if not osp.isfile(path):
        raise ClassStatsNotFoundError(
            f'class statistics file not found: {path}')
    with open(path) as f:
        stats = json.load(f)
    if 'images' not in stats:
        raise ValueError(f'{path}: not a udaplug class statistics file (no '
                         '"images"); rewrite it with the dataset\'s converter')
    root = getattr(dataset, 'data_root', None) or osp.dirname(path)
    by_stem = {
        _label_stem(rel, _SOURCE_SUFFIXES): counts
        for rel, counts in stats['images'].items()
    }
    label_map = getattr(dataset, 'label_map', None) or None
    per_sample, missing = [], []
    for i in range(len(dataset)):
        seg = dataset.get_data_info(i).get('seg_map_path')
        if seg is None:
            raise ValueError(
                f'rare-class sampling: {type(dataset).__name__} has no '
                'labels (no seg_map_path); sample a labelled source dataset')
        stem = _label_stem(osp.relpath(seg, root), _CONVERTED_SUFFIXES)
        counts = by_stem.get(stem)
        if counts is None:
            missing.append(seg)
            continue
        mapped: Dict[int, int] = {}
        for cls, n in counts.items():
            cls = int(cls)
            if label_map is not None:
                cls = label_map.get(cls, IGNORE_INDEX)
            if cls != IGNORE_INDEX:
                mapped[cls] = mapped.get(cls, 0) + int(n)
        per_sample.append(mapped)
    if missing:
        raise ValueError(
            f'{path} has no statistics for {len(missing)} of the '
            f'{len(dataset)} label files of {type(dataset).__name__}, e.g. '
            f'{missing[0]}; run the dataset\'s converter again')
    return per_sample


class RareClassIndex(int):
    """A source index drawn for ``rare_class``: datasets that know it
    (:class:`~udaplug.datasets.UDADataset`) reload the sample (a new random
    crop) up to ``retries`` times until the crop holds more than
    ``min_pixels`` pixels of the class; others use it as a plain index."""

    def __new__(cls,
                index: int,
                rare_class: int,
                min_pixels: float = 0,
                retries: int = 0):
        obj = super().__new__(cls, index)
        obj.rare_class = int(rare_class)
        obj.min_pixels = float(min_pixels)
        obj.retries = int(retries)
        return obj

    def __reduce__(self):
        return (RareClassIndex, (int(self), self.rare_class, self.min_pixels,
                                 self.retries))

    def __repr__(self) -> str:
        return (f'RareClassIndex({int(self)}, rare_class={self.rare_class},'
                f' min_pixels={self.min_pixels}, retries={self.retries})')


@DATA_SAMPLERS.register_module()
class RareClassSampler(Sampler):
    """DAFormer's rare-class sampling (RCS; Hoyer et al., CVPR 2022,
    Sec. 3, "Rare Class Sampling"; official
    ``mmseg/datasets/uda_dataset.py``) as an endless sampler of source
    indices that works under DDP.

    Each draw picks a class ``c ~ P(c)`` (:func:`rare_class_probabilities`,
    from the class-pixel statistics the converters write) and then, uniformly,
    one of the source images holding more than ``min_pixels`` pixels of
    ``c``. The index carries ``c``: :class:`~udaplug.datasets.UDADataset`
    then reloads the sample (a new random crop of the pipeline) up to
    ``crop_retries`` times until the crop holds more than
    ``min_pixels * min_crop_ratio`` pixels of ``c`` (the official
    ``get_rare_class_sample``).

    Every process draws its own stream from a generator seeded with
    ``(seed, rank)``: ranks get different, reproducible samples; a resumed
    run replays the stream (mmengine's loop skips the batches already
    trained).

    Use it in place of the ``InfiniteSampler`` of a training dataloader
    (``sampler=dict(type='RareClassSampler', temperature=0.01)``) whose
    dataset is a :class:`~udaplug.datasets.UDADataset` (its source is
    sampled) or a labelled dataset.

    Args:
        dataset: The dataset of the dataloader.
        temperature (float): ``T``. DAFormer: 0.01 (``class_temp``).
        min_pixels (int): An image counts for class ``c`` if it has more
            than this many pixels of ``c`` at the label file's resolution.
            DAFormer's code: 3000.
        min_crop_ratio (float): A crop is kept once it has more than
            ``min_pixels * min_crop_ratio`` pixels of ``c``. DAFormer: 0.5;
            0 disables the retries.
        crop_retries (int): Reloads of a sample at most. DAFormer: 10.
        seed (int, optional): Seed; by default the runner's (mmengine passes
            it), else a synchronised random one.
        stats_file (str, optional): The statistics JSON; by default
            ``<data_root>/<key>_class_stats.json`` of the source dataset.
    """

    def __init__(self,
                 dataset,
                 temperature: float = 0.01,
                 min_pixels: int = 3000,
                 min_crop_ratio: float = 0.5,
                 crop_retries: int = 10,
                 seed: Optional[int] = None,
                 stats_file: Optional[str] = None) -> None:
        self.dataset = dataset
        self.source = getattr(dataset, 'source', dataset)
        if hasattr(self.source, 'full_init'):
            self.source.full_init()
        self.temperature = float(temperature)
        self.min_pixels = int(min_pixels)
        self.min_crop_ratio = float(min_crop_ratio)
        self.crop_retries = int(crop_retries) if min_crop_ratio > 0 else 0
        self.seed = int(seed) if seed is not None else sync_random_seed()
        self.rank, self.world_size = get_dist_info()

        per_sample = load_class_stats(self.source, stats_file)
        totals: Dict[int, int] = {}
        for counts in per_sample:
            for cls, n in counts.items():
                totals[cls] = totals.get(cls, 0) + n
        self.classes, self.probs = rare_class_probabilities(
            totals, self.temperature)
        self.samples_with_class: Dict[int, np.ndarray] = {}
        for cls in self.classes:
            holders = [
                i for i, counts in enumerate(per_sample)
                if counts.get(cls, 0) > self.min_pixels
            ]
            if not holders:
                most = max(counts.get(cls, 0) for counts in per_sample)
                names = self.source.metainfo.get('classes', ())
                name = names[cls] if cls < len(names) else cls
                raise ValueError(
                    f'RareClassSampler: no source image has more than '
                    f'min_pixels={self.min_pixels} pixels of class {cls} '
                    f'({name}); the most in one image is {most}. Lower '
                    'min_pixels (it counts pixels at the label files\' '
                    'resolution).')
            self.samples_with_class[cls] = np.asarray(holders)

    def class_probabilities(self) -> Dict[int, float]:
        """Class id -> sampling probability."""
        return {c: float(p) for c, p in zip(self.classes, self.probs)}

    def __iter__(self) -> Iterator[RareClassIndex]:
        rng = np.random.default_rng([self.seed, self.rank])
        min_crop_pixels = self.min_pixels * self.min_crop_ratio
        while True:
            cls = self.classes[rng.choice(len(self.classes), p=self.probs)]
            holders = self.samples_with_class[cls]
            index = int(holders[rng.integers(len(holders))])
            yield RareClassIndex(index, cls, min_crop_pixels,
                                 self.crop_retries)

    def __len__(self) -> int:
        return len(self.dataset)

    def set_epoch(self, epoch: int) -> None:
        """Nothing to do: the stream is endless (mmengine calls this)."""

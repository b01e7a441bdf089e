import copy
from typing import Optional, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.dist import sync_random_seed

from udaplug.registry import DATASETS
from .checks import (check_depth_available, check_num_classes,
                     check_same_classes)


def _transform_names(dataset) -> list:
    pipeline = getattr(dataset, 'pipeline', None)
    return [type(t).__name__ for t in getattr(pipeline, 'transforms', [])]


@DATASETS.register_module()
class UDADataset:
    """Pairs each labelled source sample with an unlabelled target sample.

    ``dataset[i]`` is ``dict(source=source[i], target=target[j])``, each the
    output of its own pipeline (normally ``PackSegInputs``:
    ``{'inputs': Tensor, 'data_samples': SegDataSample}``). mmengine's
    ``pseudo_collate`` turns a batch into ``{'source': {'inputs': [...],
    'data_samples': [...]}, 'target': {...}}``. ``len`` and ``metainfo`` are
    the source's; validation and testing use the target dataset alone.

    Args:
        source (dict | Dataset): The labelled source dataset (or its config).
        target (dict | Dataset): The target dataset; its training pipeline
            must not load labels.
        target_sampling (str): ``'random'``: ``j`` is drawn uniformly by a
            generator seeded with ``(seed, i, n)``, ``n`` counting how often
            this process has served index ``i``, so every pass pairs a source
            image with a new target image and runs are reproducible for a
            given seed, sampler and number of workers. ``'sequential'``:
            ``j = i % len(target)``.
        seed (int, optional): Seed of the target draws. Defaults to one
            drawn (and synchronised across ranks) from the global random
            state, which mmengine's runner seeds from ``randomness.seed``.
        num_classes (int, optional): If given, checked against the source's
            classes (see :func:`~udaplug.datasets.check_num_classes`).
        allow_target_labels (bool): Allow ``LoadAnnotations`` in the target
            pipeline. Defaults to False (adaptation must not see target
            labels).
    """

    def __init__(self,
                 source: Union[dict, BaseDataset],
                 target: Union[dict, BaseDataset],
                 target_sampling: str = 'random',
                 seed: Optional[int] = None,
                 num_classes: Optional[int] = None,
                 allow_target_labels: bool = False) -> None:
        if target_sampling not in ('random', 'sequential'):
            raise ValueError('UDADataset: target_sampling must be "random" '
                             f'or "sequential", got "{target_sampling}"')
        self.source = DATASETS.build(source) if isinstance(source,
                                                           dict) else source
        self.target = DATASETS.build(target) if isinstance(target,
                                                           dict) else target
        self.target_sampling = target_sampling
        self.seed = int(seed) if seed is not None else sync_random_seed()
        self._draws: dict = {}
        self._metainfo = copy.deepcopy(getattr(self.source, 'metainfo', {}))
        check_same_classes(self._metainfo, getattr(self.target, 'metainfo',
                                                   {}),
                           f'source ({type(self.source).__name__})',
                           f'target ({type(self.target).__name__})')
        if num_classes is not None:
            check_num_classes(num_classes, self._metainfo,
                              'UDADataset config (num_classes)')
        if not allow_target_labels and 'LoadAnnotations' in \
                _transform_names(self.target):
            raise ValueError(
                'UDADataset: the target pipeline loads labels '
                '(LoadAnnotations); adaptation must not use target labels. '
                'Remove it from the target training pipeline (validation '
                'uses the target dataset on its own), or set '
                'allow_target_labels=True on purpose.')
        self._fully_initialized = False

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        for name, dataset in (('source', self.source), ('target',
                                                        self.target)):
            if hasattr(dataset, 'full_init'):
                dataset.full_init()
            check_depth_available(dataset,
                                  f'{name} ({type(dataset).__name__})')
        if len(self.target) == 0:
            raise ValueError('UDADataset: the target dataset is empty')
        self._fully_initialized = True

    def __len__(self) -> int:
        return len(self.source)

    def target_index(self, idx: int) -> int:
        """The target index paired with source index ``idx`` (random
        sampling advances this index's draw counter)."""
        if self.target_sampling == 'sequential':
            return idx % len(self.target)
        n = self._draws.get(idx, 0)
        self._draws[idx] = n + 1
        rng = np.random.default_rng([self.seed, idx, n])
        return int(rng.integers(len(self.target)))

    @staticmethod
    def _class_pixels(sample: dict, cls: int) -> int:
        seg = sample['data_samples'].gt_sem_seg.data
        return int((seg == cls).sum())

    def source_sample(self, idx: int) -> dict:
        """``source[idx]``; for an index drawn by rare-class sampling
        (:class:`~udaplug.datasets.RareClassIndex`) the sample is loaded
        again (a new random crop) up to ``idx.retries`` times until it holds
        more than ``idx.min_pixels`` pixels of ``idx.rare_class``
        (DAFormer's ``get_rare_class_sample``)."""
        sample = self.source[int(idx)]
        rare = getattr(idx, 'rare_class', None)
        if rare is None:
            return sample
        for _ in range(idx.retries):
            if self._class_pixels(sample, rare) > idx.min_pixels:
                break
            sample = self.source[int(idx)]
        return sample

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            self.full_init()
        return dict(
            source=self.source_sample(idx),
            target=self.target[self.target_index(int(idx))])

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(source={type(self.source).__name__}'
                f' ({len(self.source)}), target='
                f'{type(self.target).__name__} ({len(self.target)}), '
                f'target_sampling={self.target_sampling}, seed={self.seed})')

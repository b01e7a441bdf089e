"""Rare-class sampling: probabilities against DAFormer's formula from the
converters' statistics, the minimum-pixel rule, per-rank streams, the
crop-retry rule and the missing-statistics error."""
import math
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from udaplug.datasets import (ClassStatsNotFoundError, GTA5Dataset,
                              RareClassIndex, RareClassSampler, UDADataset,
                              rare_class_probabilities)
from udaplug.datasets.converters import convert_gta5

# Cityscapes label ids: 7 road (train id 0), 8 sidewalk (1), 24 person (11),
# 26 car (13), 0 unlabeled (255). Images are 10 x 20 = 200 pixels.
LAYOUT = (
    {
        7: 150,
        26: 50
    },
    {
        7: 100,
        8: 90,
        24: 10
    },
    {
        7: 120,
        26: 30,
        24: 40,
        0: 10
    },
)
TRAIN_ID = {7: 0, 8: 1, 24: 11, 26: 13}


@pytest.fixture(scope='module')
def gta5_root(tmp_path_factory, write, write_gta5_label):
    """GTA5 as released (palette PNG labels), converted by udaplug's
    converter, which writes the class statistics."""
    root = str(tmp_path_factory.mktemp('gta5'))
    for i, counts in enumerate(LAYOUT, 1):
        flat = np.concatenate(
            [np.full(n, cid, np.uint8) for cid, n in counts.items()])
        image = np.random.default_rng(i).integers(
            0, 255, (10, 20, 3), dtype=np.uint8)
        write(osp.join(root, 'images', f'{i:05d}.png'), image)
        write_gta5_label(
            osp.join(root, 'labels', f'{i:05d}.png'), flat.reshape(10, 20))
    report = convert_gta5(root, quiet=True)
    assert report.exit_code == 0
    return root


def dataset(root, **kwargs):
    return GTA5Dataset(
        data_root=root,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')
        ],
        **kwargs)


def hand_probabilities(temperature):
    totals = {}
    for counts in LAYOUT:
        for cid, n in counts.items():
            if cid in TRAIN_ID:
                totals[TRAIN_ID[cid]] = totals.get(TRAIN_ID[cid], 0) + n
    total = sum(totals.values())  # 590 labelled pixels
    weights = {
        c: math.exp((1 - n / total) / temperature)
        for c, n in totals.items()
    }
    z = sum(weights.values())
    return {c: w / z for c, w in weights.items()}


@pytest.mark.parametrize('temperature', [0.01, 0.1, 1.0])
def test_probabilities_follow_the_formula(gta5_root, temperature):
    sampler = RareClassSampler(
        dataset(gta5_root), temperature=temperature, min_pixels=20, seed=0)
    got = sampler.class_probabilities()
    expected = hand_probabilities(temperature)
    assert set(got) == {0, 1, 11, 13}
    for c, p in expected.items():
        assert got[c] == pytest.approx(p, rel=1e-9, abs=1e-300)
    # ascending frequency, as the official get_rcs_class_probs
    assert sampler.classes == [11, 13, 1, 0]


def test_infinite_temperature_is_uniform_and_rarer_is_likelier():
    classes, probs = rare_class_probabilities({
        0: 100,
        1: 10,
        2: 1
    }, float('inf'))
    assert np.allclose(probs, 1 / 3)
    classes, probs = rare_class_probabilities({0: 100, 1: 10, 2: 1}, 0.5)
    assert classes == [2, 1, 0] and probs[0] > probs[1] > probs[2]


def test_minimum_pixels_select_the_images(gta5_root):
    sampler = RareClassSampler(dataset(gta5_root), min_pixels=20, seed=0)
    held = {
        c: sorted(v.tolist())
        for c, v in sampler.samples_with_class.items()
    }
    # image 2 (index 1) has only 10 person pixels: not a person image
    assert held == {0: [0, 1, 2], 1: [1], 11: [2], 13: [0, 2]}
    with pytest.raises(ValueError, match='min_pixels=95 .*person.*is 40'):
        RareClassSampler(dataset(gta5_root), min_pixels=95, seed=0)


def draws(sampler, n):
    it = iter(sampler)
    return [next(it) for _ in range(n)]


def test_streams_per_rank_are_deterministic_and_differ(gta5_root, monkeypatch):
    import udaplug.datasets.rare_class_sampler as rcs

    def sampler_of(rank, seed=3):
        monkeypatch.setattr(rcs, 'get_dist_info', lambda: (rank, 2))
        return RareClassSampler(
            dataset(gta5_root), temperature=0.1, min_pixels=20, seed=seed)

    rank0, rank1 = draws(sampler_of(0), 300), draws(sampler_of(1), 300)
    assert rank0 == draws(sampler_of(0), 300)  # reproducible
    assert [(int(i), i.rare_class) for i in rank0] != \
        [(int(i), i.rare_class) for i in rank1]
    assert draws(sampler_of(0, seed=4), 300) != rank0
    # every draw is an image that holds its class
    sampler = sampler_of(0)
    for idx in rank0 + rank1:
        assert int(idx) in sampler.samples_with_class[idx.rare_class]
        assert idx.min_pixels == 10 and idx.retries == 10
    # the empirical class frequencies follow the probabilities
    many = draws(sampler, 6000)
    probs = sampler.class_probabilities()
    for c, p in probs.items():
        freq = sum(i.rare_class == c for i in many) / len(many)
        assert abs(freq - p) < 0.03, (c, freq, p)


def test_index_survives_pickling():
    idx = RareClassIndex(4, 13, 1500., 10)
    back = pickle.loads(pickle.dumps(idx))
    assert int(back) == 4 and back.rare_class == 13
    assert back.min_pixels == 1500. and back.retries == 10


def test_missing_statistics_name_the_converter(gta5_root, tmp_path):
    import shutil
    root = str(tmp_path / 'gta5')
    shutil.copytree(gta5_root, root)
    import os
    os.remove(osp.join(root, 'gta5_class_stats.json'))
    with pytest.raises(ClassStatsNotFoundError) as err:
        RareClassSampler(dataset(root), seed=0)
    assert 'python tools/convert_datasets/gta5.py' in str(err.value)
    assert 'gta5_class_stats.json' in str(err.value)


def test_subset_classes_are_mapped(gta5_root):
    ds = dataset(gta5_root, metainfo=dict(classes=('road', 'car')))
    sampler = RareClassSampler(ds, temperature=1.0, min_pixels=20, seed=0)
    # train ids 0 (road) and 13 (car) become 0 and 1; the others ignored
    assert set(sampler.class_probabilities()) == {0, 1}
    assert sorted(sampler.samples_with_class[1].tolist()) == [0, 2]


class _Source:
    """A source dataset whose i-th load returns the i-th label."""
    metainfo = dict(classes=('a', 'b', 'c'))

    def __init__(self, labels):
        self.labels = labels
        self.loads = 0

    def __len__(self):
        return 1

    def __getitem__(self, idx):
        sample = SegDataSample()
        label = self.labels[min(self.loads, len(self.labels) - 1)]
        sample.gt_sem_seg = PixelData(data=torch.as_tensor(label)[None])
        self.loads += 1
        return dict(inputs=torch.zeros(3, 2, 2), data_samples=sample)


class _Target(_Source):

    def __init__(self):
        super().__init__([np.zeros((2, 2))])


def test_crops_are_retried_until_the_class_is_there():
    # crops with 0, 1, 3 and 4 pixels of class 2
    crops = [
        np.zeros((2, 2)),
        np.array([[2, 0], [0, 0]]),
        np.array([[2, 2], [2, 0]]),
        np.full((2, 2), 2)
    ]
    source = _Source(crops)
    uda = UDADataset(source, _Target(), seed=0)
    # more than 2 pixels of class 2 needed: the third crop is kept
    out = uda[RareClassIndex(0, 2, min_pixels=2, retries=10)]
    assert source.loads == 3
    assert int((out['source']['data_samples'].gt_sem_seg.data == 2).sum()) \
        == 3
    # at most `retries` reloads
    source = _Source(crops)
    UDADataset(source, _Target(), seed=0)[RareClassIndex(0, 2, 2, retries=1)]
    assert source.loads == 2
    # plain indices load once
    source = _Source(crops)
    UDADataset(source, _Target(), seed=0)[0]
    assert source.loads == 1

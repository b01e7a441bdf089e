"""LoadDepthFromFile: units, normalisation, alignment with image and label
through mmseg's geometric transforms, and the errors for bad depth."""
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.dataset import Compose

from udaplug.datasets import (DepthMapError, DepthNotFoundError, GTA5Dataset,
                              LoadDepthFromFile, SynthiaDataset, UDADataset)
from udaplug.datasets.converters import convert_synthia
from udaplug.datasets.label_sets import SYNTHIA_ID_TO_TRAINID16

H, W = 32, 48


@pytest.fixture
def depth_file(write):
    """``depth_file(tmp_path, array, name='d.png')``: a depth map file."""

    def depth_file(tmp_path, array, name='d.png'):
        return write(str(tmp_path / name), array)

    return depth_file


def results_for(path, shape=(4, 6)):
    return dict(
        depth_map_path=path,
        img=np.zeros(shape + (3, ), np.uint8),
        img_path='img.png',
        seg_fields=[])


def test_units_and_normalisation(tmp_path, depth_file):
    raw = np.array([[0, 100, 250], [1000, 5000, 10000]], np.uint16)
    path = depth_file(tmp_path, raw)
    out = LoadDepthFromFile()(results_for(path, (2, 3)))
    assert out['gt_depth_map'].dtype == np.float32
    np.testing.assert_allclose(out['gt_depth_map'], raw / 100.0)  # metres
    assert out['seg_fields'] == ['gt_depth_map']
    out = LoadDepthFromFile(scale=1.0)(results_for(path, (2, 3)))
    np.testing.assert_allclose(out['gt_depth_map'], raw)
    out = LoadDepthFromFile(
        depth_range=(0, 10000), normalize=True)(
            results_for(path, (2, 3)))
    np.testing.assert_allclose(out['gt_depth_map'], raw / 10000.0)
    assert out['gt_depth_map'].min() == 0 and out['gt_depth_map'].max() == 1


def test_packed_as_gt_depth_map(tmp_path, depth_file):
    raw = np.full((2, 3), 700, np.uint16)
    path = depth_file(tmp_path, raw)
    pipeline = Compose([LoadDepthFromFile(), dict(type='PackSegInputs')])
    packed = pipeline(results_for(path, (2, 3)))
    depth = packed['data_samples'].gt_depth_map.data
    assert tuple(depth.shape) == (1, 2, 3)
    assert float(depth[0, 0, 0]) == pytest.approx(7.0)


@pytest.mark.parametrize('array,message', [
    (np.zeros((5, 6), np.uint16), '5x6'),
    (np.zeros((4, 6, 3), np.uint16), 'single-channel'),
    (np.zeros((4, 6), np.uint8), '16-bit'),
])
def test_bad_depth_maps_name_the_file(tmp_path, array, message, depth_file):
    path = depth_file(tmp_path, array, 'bad_depth.png')
    with pytest.raises(DepthMapError, match=message) as err:
        LoadDepthFromFile()(results_for(path, (4, 6)))
    assert 'bad_depth.png' in str(err.value)


def test_value_outside_declared_range(tmp_path, depth_file):
    raw = np.full((4, 6), 300, np.uint16)
    raw[1, 2] = 9000
    path = depth_file(tmp_path, raw, 'far.png')
    with pytest.raises(DepthMapError) as err:
        LoadDepthFromFile(
            depth_range=(100, 5000), normalize=True)(
                results_for(path))
    assert 'far.png' in str(err.value)
    assert '9000' in str(err.value) and 'depth_range' in str(err.value)
    raw[0, 0] = 50  # below the minimum too
    path = depth_file(tmp_path, raw, 'near.png')
    with pytest.raises(DepthMapError, match='near.png'):
        LoadDepthFromFile(depth_range=(100, 10000))(results_for(path))


def test_corrupt_and_missing_depth(tmp_path, truncate, depth_file):
    path = depth_file(tmp_path, np.ones((4, 6), np.uint16), 'cut.png')
    truncate(path)
    with pytest.raises(DepthMapError, match='cut.png'):
        LoadDepthFromFile()(results_for(path))
    with pytest.raises(DepthNotFoundError, match='gone.png'):
        LoadDepthFromFile()(results_for(str(tmp_path / 'gone.png')))
    with pytest.raises(DepthNotFoundError, match='depth_path'):
        LoadDepthFromFile()(dict(img_path='x.png', seg_fields=[]))


def test_invalid_settings():
    with pytest.raises(ValueError, match='depth_range'):
        LoadDepthFromFile(normalize=True)
    with pytest.raises(ValueError, match='min < max'):
        LoadDepthFromFile(depth_range=(10, 10))


# -- alignment through the geometric transforms ----------------------------
@pytest.fixture
def aligned_synthia(write):
    """``aligned_synthia(root)``: a SYNTHIA dataset whose label, depth and
    image are functions of one asymmetric pattern: depth = 100 * (class id
    + 1) cm, image channel 0 = 10 * class id."""

    def aligned_synthia(root):
        ids = [
            sid for sid, tid in SYNTHIA_ID_TO_TRAINID16.items() if tid != 255
        ]
        ys, xs = np.mgrid[0:H, 0:W]
        pattern = np.array(ids)[((ys // 4) * 5 + xs // 6 + ys // 16) %
                                len(ids)]
        for i in range(2):
            label = np.zeros((H, W, 3), np.uint16)
            label[..., 2] = pattern
            img = np.zeros((H, W, 3), np.uint8)
            img[..., 0] = pattern * 10  # B in OpenCV order
            img[..., 1] = 7
            depth = np.repeat(
                (100 * (pattern + 1)).astype(np.uint16)[..., None], 3, axis=2)
            write(osp.join(root, 'RGB', f'{i:07d}.png'), img)
            write(osp.join(root, 'GT', 'LABELS', f'{i:07d}.png'), label)
            write(osp.join(root, 'Depth', 'Depth', f'{i:07d}.png'), depth)
        assert convert_synthia(root).exit_code == 0
        return root

    return aligned_synthia


def test_image_label_depth_stay_aligned(tmp_path, aligned_synthia):
    root = aligned_synthia(str(tmp_path / 'synthia'))
    train_to_sid = {
        tid: sid
        for sid, tid in SYNTHIA_ID_TO_TRAINID16.items() if tid != 255
    }
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadDepthFromFile', depth_range=(0, 3000), normalize=True),
        dict(type='LoadAnnotations'),
        dict(
            type='Resize',
            scale=(96, 64),
            keep_ratio=False,
            interpolation='nearest'),
        dict(type='RandomCrop', crop_size=(40, 56)),
        dict(type='RandomFlip', prob=1.0),
        dict(type='PackSegInputs'),
    ]
    ds = SynthiaDataset(
        data_root=root,
        pipeline=pipeline,
        data_prefix=dict(
            img_path='RGB', seg_map_path='GT/LABELS',
            depth_path='Depth/Depth'))
    np.random.seed(3)
    for idx in range(2):
        out = ds[idx]
        sample = out['data_samples']
        label = sample.gt_sem_seg.data[0].numpy()
        depth = sample.gt_depth_map.data[0].numpy()
        img = out['inputs'].numpy()
        assert label.shape == depth.shape == img.shape[1:] == (40, 56)
        assert sample.flip
        sid = np.vectorize(train_to_sid.get)(label)
        np.testing.assert_allclose(depth, 100 * (sid + 1) / 3000.0, rtol=1e-6)
        np.testing.assert_array_equal(img[0], sid * 10)
        # the flip really happened (the pattern is not symmetric)
        unflipped = sid[:, ::-1]
        assert not np.array_equal(unflipped, sid)


def test_depth_follows_default_resize_like_labels(tmp_path, depth_file):
    """mmseg's Resize resizes every seg_fields entry with nearest
    interpolation: depth values stay values of the original map."""
    raw = (np.arange(6 * 8).reshape(6, 8) * 10 + 5).astype(np.uint16)
    path = depth_file(tmp_path, raw)
    pipeline = Compose([
        LoadDepthFromFile(scale=1.0),
        dict(type='Resize', scale=(13, 9), keep_ratio=False)
    ])
    res = results_for(path, (6, 8))
    out = pipeline(res)
    assert out['gt_depth_map'].shape == (9, 13)
    assert set(np.unique(out['gt_depth_map'])) <= set(raw.ravel().tolist())


# -- depth missing where the config needs it --------------------------------
DEPTH_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthFromFile'),
    dict(type='LoadAnnotations')
]


def test_dataset_without_depth_fails_at_build(tmp_path, make_gta5):
    root = make_gta5(str(tmp_path / 'gta5'), n=1)
    with pytest.raises(DepthNotFoundError) as err:
        GTA5Dataset(data_root=root, pipeline=DEPTH_PIPELINE)
    assert 'GTA5' in str(err.value) and 'depth' in str(err.value)


def test_depth_prefix_not_configured(tmp_path, make_synthia):
    root = make_synthia(str(tmp_path / 'synthia'), n=1)
    convert_synthia(root)
    with pytest.raises(DepthNotFoundError, match="depth_path"):
        SynthiaDataset(data_root=root, pipeline=DEPTH_PIPELINE)
    # also when the dataset comes into a UDADataset lazily
    src = SynthiaDataset(
        data_root=root, pipeline=DEPTH_PIPELINE, lazy_init=True)
    tgt = SynthiaDataset(
        data_root=root,
        lazy_init=True,
        pipeline=[dict(type='LoadImageFromFile')])
    with pytest.raises(DepthNotFoundError, match='SYNTHIA'):
        UDADataset(source=src, target=tgt).full_init()


def test_missing_depth_file_is_named(tmp_path, make_synthia):
    root = make_synthia(str(tmp_path / 'synthia'), n=2)
    convert_synthia(root)
    os.remove(osp.join(root, 'Depth', 'Depth', '0000001_depth_cm.png'))
    with pytest.raises(DepthNotFoundError) as err:
        SynthiaDataset(
            data_root=root,
            pipeline=DEPTH_PIPELINE,
            data_prefix=dict(
                img_path='RGB',
                seg_map_path='GT/LABELS',
                depth_path='Depth/Depth'))
    assert '0000001_depth_cm.png' in str(err.value)
    assert 'convert_datasets/synthia.py' in str(err.value)


def test_synthia_raw_3_channel_depth_is_refused(tmp_path, make_synthia):
    root = make_synthia(str(tmp_path / 'synthia'), n=1)
    convert_synthia(root)
    ds = SynthiaDataset(
        data_root=root,
        pipeline=DEPTH_PIPELINE,
        depth_suffix='.png',
        data_prefix=dict(
            img_path='RGB', seg_map_path='GT/LABELS',
            depth_path='Depth/Depth'))
    with pytest.raises(DepthMapError, match='synthia.py'):
        ds[0]

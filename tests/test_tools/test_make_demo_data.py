"""tools/make_demo_data.py: layout and formats, determinism, the domain
gap, perspective, the demo configs and a short training run."""
import glob
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from udaplug.datasets.demo import (DEMO_DEPTH_RANGE, DUSK_STYLE, SOURCE_STYLE,
                                   TARGET_STYLE, make_demo_data, render_sample)
from udaplug.datasets.label_sets import CITYSCAPES_CLASSES, CITYSCAPES_PALETTE
from udaplug.registry import DATASETS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SIZE = (64, 32)


def read(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert img is not None, path
    return img


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('demo') / 'demo')
    make_demo_data(
        root,
        seed=3,
        num_source=3,
        num_target_train=2,
        num_target_val=2,
        size=SIZE,
        quiet=True)
    return root


def test_layout_and_formats(demo):
    gta_img = read(osp.join(demo, 'gta5', 'images', '00001.png'))
    assert gta_img.shape == (32, 64, 3) and gta_img.dtype == np.uint8
    # GTA5's label format: 8-bit palette PNG, index = Cityscapes label id,
    # palette = the ids' Cityscapes colours
    from cityscapesscripts.helpers.labels import labels
    with Image.open(osp.join(demo, 'gta5', 'labels', '00003.png')) as img:
        assert img.mode == 'P'
        gta_lab = np.asarray(img)
        palette = np.array(img.getpalette()[:34 * 3]).reshape(34, 3)
    for label in labels:
        if label.id >= 0:
            assert tuple(palette[label.id]) == label.color, label.name
    assert gta_lab.shape == (32, 64)
    assert set(np.unique(gta_lab)) <= set(range(34))  # Cityscapes ids
    assert len(np.unique(gta_lab)) >= 5
    # the converter read the ids (not the colours)
    lut = np.full(256, 255, np.uint8)
    for label in labels:
        if label.id >= 0 and 0 <= label.trainId < 255:
            lut[label.id] = label.trainId
    np.testing.assert_array_equal(
        read(osp.join(demo, 'gta5', 'labels', '00003_labelTrainIds.png')),
        lut[gta_lab])
    syn = read(osp.join(demo, 'synthia', 'GT', 'LABELS', '0000002.png'))
    assert syn.shape == (32, 64, 3) and syn.dtype == np.uint16
    assert syn[..., 2].max() <= 22  # SYNTHIA class ids in R
    depth = read(osp.join(demo, 'synthia', 'Depth', 'Depth', '0000002.png'))
    assert depth.shape == (32, 64, 3) and depth.dtype == np.uint16
    assert (depth[..., 0] == depth[..., 2]).all()
    assert DEMO_DEPTH_RANGE[0] < depth.min() <= depth.max() <= \
        DEMO_DEPTH_RANGE[1]
    assert read(
        osp.join(demo, 'synthia', 'Depth', 'Depth',
                 '0000002_depth_cm.png')).ndim == 2
    for split, city in (('train', 'demoville'), ('val', 'demoburg')):
        stem = f'{city}_000000_000001'
        assert read(
            osp.join(demo, 'cityscapes', 'leftImg8bit', split, city,
                     f'{stem}_leftImg8bit.png')).shape == (32, 64, 3)
        ids = read(
            osp.join(demo, 'cityscapes', 'gtFine', split, city,
                     f'{stem}_gtFine_labelIds.png'))
        assert 1 in ids  # the ego vehicle's bonnet, ignored
        train = read(
            osp.join(demo, 'cityscapes', 'gtFine', split, city,
                     f'{stem}_gtFine_labelTrainIds.png'))
        assert (train[ids == 1] == 255).all()
    info = json.load(open(osp.join(demo, 'demo_info.json')))
    assert info['num_source'] == 3 and info['size'] == dict(
        width=64, height=32)


def test_generated_content_is_unchanged(demo):
    """Regression pins for seed 3 at 64x32: the class pixel counts of one
    source and one target label, and one depth map. The generator's output
    defines the demo results the README reports; a change must be
    deliberate (then update these numbers and the README's)."""

    def counts(label):
        ids, n = np.unique(label, return_counts=True)
        return list(zip(ids.tolist(), n.tolist()))

    gta = np.asarray(Image.open(osp.join(demo, 'gta5', 'labels', '00002.png')))
    assert counts(gta) == [(7, 850), (8, 63), (11, 463), (12, 10), (13, 1),
                           (17, 82), (19, 20), (20, 11), (21, 246), (22, 20),
                           (23, 213), (24, 28), (26, 41)]
    city = read(
        osp.join(demo, 'cityscapes', 'gtFine', 'val', 'demoburg',
                 'demoburg_000000_000001_gtFine_labelIds.png'))
    assert counts(city) == [(1, 107), (7, 616), (8, 74), (11, 660), (17, 78),
                            (19, 2), (20, 15), (21, 90), (22, 21), (23, 338),
                            (24, 17), (27, 30)]
    depth = read(
        osp.join(demo, 'synthia', 'Depth', 'Depth', '0000001_depth_cm.png'))
    assert (depth.min(), depth.max()) == (489, 10000)
    assert int(depth.astype(np.int64).sum()) == 6081549


def test_same_scene_in_gta5_and_synthia_styles(demo):
    gta = read(osp.join(demo, 'gta5', 'labels', '00002_labelTrainIds.png'))
    syn = read(
        osp.join(demo, 'synthia', 'GT', 'LABELS', '0000001_labelTrainIds.png'))
    np.testing.assert_array_equal(
        read(osp.join(demo, 'gta5', 'images', '00002.png')),
        read(osp.join(demo, 'synthia', 'RGB', '0000001.png')))
    # SYNTHIA's 16 classes are Cityscapes' without terrain, truck, train
    lut = np.full(256, 255, np.uint8)
    from udaplug.datasets.label_sets import SYNTHIA_CLASSES
    for tid, name in enumerate(CITYSCAPES_CLASSES):
        if name in SYNTHIA_CLASSES:
            lut[tid] = SYNTHIA_CLASSES.index(name)
    mapped = lut[gta]
    keep = syn != 255  # lane markings are ignored in SYNTHIA style
    np.testing.assert_array_equal(mapped[keep], syn[keep])


def test_deterministic(tmp_path):
    kwargs = dict(
        num_source=1,
        num_target_train=1,
        num_target_val=0,
        size=SIZE,
        quiet=True,
        convert=False)
    make_demo_data(str(tmp_path / 'a'), seed=5, **kwargs)
    make_demo_data(str(tmp_path / 'b'), seed=5, nproc=2, **kwargs)
    make_demo_data(str(tmp_path / 'c'), seed=6, **kwargs)
    files = sorted(
        osp.relpath(p, tmp_path / 'a') for p in glob.glob(
            str(tmp_path / 'a' / '**' / '*.png'), recursive=True))
    assert len(files) == 7  # 2 GTA5, 3 SYNTHIA, 2 Cityscapes
    for rel in files:
        np.testing.assert_array_equal(
            read(str(tmp_path / 'a' / rel)), read(str(tmp_path / 'b' / rel)))
    assert not np.array_equal(
        read(str(tmp_path / 'a' / 'gta5' / 'images' / '00001.png')),
        read(str(tmp_path / 'c' / 'gta5' / 'images' / '00001.png')))


def test_scene_statistics_perspective_and_gap():
    n, classes = 12, {'source': set(), 'target': set()}
    names = ('road', 'sidewalk', 'building', 'vegetation', 'sky')
    colours = {
        'source': {
            c: []
            for c in names
        },
        'target': {
            c: []
            for c in names
        }
    }
    grain = {'source': [], 'target': []}
    horizon = {'source': [], 'target': []}
    for i in range(n):
        for name, style in (('source', SOURCE_STYLE), ('target',
                                                       TARGET_STYLE)):
            s = render_sample(np.random.default_rng([9, i]), style)
            lab, img, depth = s['train_ids'], s['img'], s['depth_cm']
            assert img.shape == (128, 256, 3)  # default size
            classes[name] |= set(np.unique(lab).tolist()) - {255}
            road = CITYSCAPES_CLASSES.index('road')
            for c in names:
                mask = lab == CITYSCAPES_CLASSES.index(c)
                if mask.sum() > 20:
                    colours[name][c].append(img[mask].mean(0))
            lap = cv2.Laplacian(img.astype(np.float32), cv2.CV_32F)
            grain[name].append(np.abs(lap[lab == road]).mean())
            # perspective: the road gets nearer row by row downwards
            rows = [
                depth[r][lab[r] == road].mean() for r in range(128)
                if (lab[r] == road).sum() > 4
            ]
            assert np.all(np.diff(rows) <= 0)
            sky = CITYSCAPES_CLASSES.index('sky')
            horizon[name].append(
                np.mean([
                    np.flatnonzero(lab[:, c] == sky).max(initial=0)
                    for c in range(100, 156)
                ]))
    for name in classes:
        assert len(classes[name]) >= 12, classes[name]
    # shared scene statistics: the same classes appear in both domains
    assert len(classes['source'] & classes['target']) >= 12
    # the domain gap: class colours, texture and camera (horizon) differ
    gap = [
        np.abs(
            np.mean(colours['source'][c], 0) -
            np.mean(colours['target'][c], 0)).max() for c in names
    ]
    assert np.mean(gap) > 12, gap
    assert np.mean(grain['target']) > 1.5 * np.mean(grain['source'])
    assert np.mean(horizon['target']) > np.mean(horizon['source'])


def test_dusk_target_style(demo, tmp_path):
    """``target_style='dusk'``: the second target domain has the same scenes
    and classes, in darker and warmer light, without the bonnet, from a
    higher camera; it is written in Cityscapes' formats and recorded."""
    road, sky = (CITYSCAPES_CLASSES.index(c) for c in ('road', 'sky'))
    stats = {}
    for style in (TARGET_STYLE, DUSK_STYLE):
        brightness, warmth, ego, horizon, classes = [], [], 0, [], set()
        for i in range(12):
            s = render_sample(np.random.default_rng([5, i]), style)
            img = s['img'].astype(np.float64)
            brightness.append(img.mean())
            warmth.append(img[..., 0].mean() / img[..., 2].mean())
            ego += int((s['label_ids'] == 1).sum())
            classes |= set(np.unique(s['train_ids']).tolist()) - {255}
            horizon.append(
                np.mean([
                    np.flatnonzero(s['train_ids'][:, c] == sky).max(initial=0)
                    for c in range(100, 156)
                ]))
            assert (s['train_ids'] == road).any()
        stats[style.name] = (np.mean(brightness), np.mean(warmth), ego,
                             np.mean(horizon), classes)
    real, dusk = stats['real'], stats['dusk']
    assert dusk[0] < 0.8 * real[0]  # darker
    assert dusk[1] > 1.2 * real[1]  # warmer (more red than blue)
    assert real[2] > 0 and dusk[2] == 0  # no bonnet at dusk
    assert dusk[3] < real[3]  # a higher camera: the horizon higher up
    assert len(real[4] & dusk[4]) >= 12

    root = str(tmp_path / 'dusk')
    info = make_demo_data(
        root,
        seed=3,
        num_source=1,
        num_target_train=1,
        num_target_val=1,
        size=SIZE,
        quiet=True,
        target_style='dusk')
    with open(osp.join(root, 'demo_info.json')) as f:
        assert json.load(f)['target_style'] == info['target_style'] == 'dusk'
    city = osp.join(root, 'cityscapes')
    stem = 'val/demoburg/demoburg_000000_000000'
    expected = render_sample(
        np.random.default_rng([3, 2, 0]), DUSK_STYLE, SIZE)
    np.testing.assert_array_equal(
        read(osp.join(city, 'leftImg8bit', f'{stem}_leftImg8bit.png')),
        expected['img'][..., ::-1])
    np.testing.assert_array_equal(
        read(osp.join(city, 'gtFine', f'{stem}_gtFine_labelTrainIds.png')),
        expected['train_ids'])
    # the source does not depend on the target's look: the same file as in
    # the default-style pair of the same seed and size
    with open(osp.join(root, 'gta5', 'images', '00001.png'), 'rb') as f, \
            open(osp.join(demo, 'gta5', 'images', '00001.png'), 'rb') as g:
        assert f.read() == g.read()
    with pytest.raises(ValueError, match="'night' is unknown.*dusk"):
        make_demo_data(str(tmp_path / 'e'), size=SIZE, target_style='night')


def test_demo_uda_configs_build(demo):
    for name, depth, classes in (('uda_demo_gta5_to_cityscapes.py', False, 19),
                                 ('uda_demo_synthia_to_cityscapes.py', True,
                                  16)):
        cfg = Config.fromfile(
            osp.join(REPO, 'configs', '_base_', 'datasets', name))
        uda = cfg.train_dataloader.dataset
        uda.source.data_root = uda.source.data_root.replace('data/demo', demo)
        uda.target.data_root = uda.target.data_root.replace('data/demo', demo)
        ds = DATASETS.build(uda)
        ds.full_init()
        item = ds[1]
        assert len(ds.metainfo['classes']) == classes
        assert ('gt_depth_map' in item['source']['data_samples']) == depth
        assert 'gt_sem_seg' not in item['target']['data_samples']
        val = cfg.val_dataloader.dataset
        val.data_root = val.data_root.replace('data/demo', demo)
        assert len(DATASETS.build(val)) == 2


def test_source_only_demo_trains_and_reports_miou(demo, tmp_path, miou_by_hand,
                                                  decode_colours,
                                                  subprocess_env):
    """tools/train.py on configs/demo/source_only_demo.py for two
    iterations, with the prediction dump hook."""
    cfg = tmp_path / 'short.py'
    size = f'({SIZE[0]}, {SIZE[1]})'
    cfg.write_text(
        f"_base_ = ['{REPO}/configs/demo/source_only_demo.py']\n"
        "train_dataloader = dict(dataset=dict(pipeline=[\n"
        "    dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),\n"
        f"    dict(type='Resize', scale={size}, keep_ratio=False),\n"
        "    dict(type='PackSegInputs')]))\n"
        "val_dataloader = dict(dataset=dict(pipeline=[\n"
        "    dict(type='LoadImageFromFile'),\n"
        f"    dict(type='Resize', scale={size}, keep_ratio=False),\n"
        "    dict(type='LoadAnnotations'), dict(type='PackSegInputs')]))\n"
        "custom_hooks = [dict(type='SegPredictionDumpHook', "
        f"out_dir='{tmp_path}/show')]\n")
    work = tmp_path / 'work'
    options = [
        f'train_dataloader.dataset.data_root={demo}/gta5',
        f'val_dataloader.dataset.data_root={demo}/cityscapes',
        f'test_dataloader.dataset.data_root={demo}/cityscapes',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=1000'
    ]
    run = subprocess.run(
        [
            sys.executable, 'tools/train.py',
            str(cfg), '--work-dir',
            str(work), '--cfg-options'
        ] + options,
        cwd=REPO,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    scalars = glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
    assert scalars, list(work.iterdir())
    records = [json.loads(line) for line in open(scalars[0])]
    final = [r for r in records if 'mIoU' in r]
    assert final
    # the logged mIoU is that of the dumped predictions, recomputed here
    pairs = []
    for i in range(2):
        stem = f'demoburg_000000_{i:06d}'
        pred = read(
            str(tmp_path / 'show' / 'iter_2' /
                f'{stem}_leftImg8bit_pred.png'))[..., ::-1]
        label = read(
            osp.join(demo, 'cityscapes', 'gtFine', 'val', 'demoburg',
                     f'{stem}_gtFine_labelTrainIds.png'))
        pairs.append((decode_colours(pred, CITYSCAPES_PALETTE), label))
    miou, ious = miou_by_hand(pairs, len(CITYSCAPES_CLASSES))
    assert final[-1]['mIoU'] == pytest.approx(miou, abs=0.006)
    assert final[-1]['IoU.road'] == pytest.approx(ious[0], abs=0.006)


def test_command_line(tmp_path):
    from importlib import util
    spec = util.spec_from_file_location(
        'make_demo_data', osp.join(REPO, 'tools', 'make_demo_data.py'))
    tool = util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main([
        '--out',
        str(tmp_path / 'd'), '--num', '1', '--num-target-train', '1',
        '--num-target-val', '1', '--size', '48', '24', '--nproc', '1',
        '--preview', '--target-style', 'dusk'
    ])
    source = read(str(tmp_path / 'd' / 'gta5' / 'images' / '00001.png'))
    assert source.shape == (24, 48, 3)
    # the preview: the source image next to the target image
    target = read(
        str(tmp_path / 'd' / 'cityscapes' / 'leftImg8bit' / 'train' /
            'demoville' / 'demoville_000000_000000_leftImg8bit.png'))
    np.testing.assert_array_equal(
        read(str(tmp_path / 'd' / 'preview.png')),
        np.concatenate([source, target], axis=1))
    with open(str(tmp_path / 'd' / 'demo_info.json')) as f:
        assert json.load(f)['target_style'] == 'dusk'
    with pytest.raises(ValueError, match='too small'):
        make_demo_data(str(tmp_path / 'e'), size=(8, 4))

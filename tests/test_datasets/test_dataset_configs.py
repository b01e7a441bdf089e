"""configs/_base_/datasets: every config builds its dataloaders' datasets
on tiny native-format fixtures and yields what the models expect."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from udaplug.datasets.converters import (convert_kitti, convert_synthia,
                                         convert_vkitti)
from udaplug.datasets.label_sets import (CITYSCAPES_CLASSES, GIOADA_CLASSES,
                                         SYNTHIA13_CLASSES, SYNTHIA_CLASSES)
from udaplug.registry import DATASETS, METRICS

CONFIGS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    '_base_', 'datasets')


@pytest.fixture(scope='module')
def roots(tmp_path_factory, make_gta5, make_cityscapes, make_synthia,
          make_vkitti, make_kitti):
    base = tmp_path_factory.mktemp('data')
    roots = dict(
        gta5=make_gta5(str(base / 'gta5')),
        cityscapes=make_cityscapes(str(base / 'cityscapes')),
        synthia=make_synthia(str(base / 'synthia')),
        vkitti=make_vkitti(str(base / 'vkitti'), frames=1),
        kitti=make_kitti(str(base / 'kitti')))
    convert_synthia(roots['synthia'], quiet=True)
    convert_vkitti(roots['vkitti'], quiet=True)
    convert_kitti(roots['kitti'], quiet=True)
    return roots


def load(name, source=None, target=None):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    train = cfg.train_dataloader.dataset
    if train.type == 'UDADataset':
        train.source.data_root = source
        train.target.data_root = target
    else:
        train.data_root = source
    cfg.val_dataloader.dataset.data_root = target
    cfg.test_dataloader.dataset.data_root = target
    return cfg


def check_sample(sample, labelled, depth=False, size=None):
    assert isinstance(sample['inputs'], torch.Tensor)
    ds = sample['data_samples']
    assert ('gt_sem_seg' in ds) == labelled
    assert ('gt_depth_map' in ds) == depth
    if size is not None:
        assert tuple(sample['inputs'].shape[1:]) == (size[1], size[0])
    if depth:
        d = ds.gt_depth_map.data
        assert d.shape == ds.gt_sem_seg.data.shape
        assert 0 <= float(d.min()) and float(d.max()) <= 1


@pytest.mark.parametrize('name,src,tgt,classes,depth', [
    ('uda_gta5_to_cityscapes.py', 'gta5', 'cityscapes', CITYSCAPES_CLASSES,
     False),
    ('uda_synthia_to_cityscapes.py', 'synthia', 'cityscapes', SYNTHIA_CLASSES,
     False),
    ('uda_vkitti_to_kitti.py', 'vkitti', 'kitti', GIOADA_CLASSES, True),
])
def test_uda_configs(roots, name, src, tgt, classes, depth):
    cfg = load(name, roots[src], roots[tgt])
    uda = DATASETS.build(cfg.train_dataloader.dataset)
    uda.full_init()
    assert uda.metainfo['classes'] == classes
    item = uda[0]
    scale = cfg.get('source_scale')
    check_sample(item['source'], True, depth, scale)
    check_sample(item['target'], False, False, cfg.get('target_scale'))
    val = DATASETS.build(cfg.val_dataloader.dataset)
    assert val.metainfo['classes'] == classes
    check_sample(val[0], True)
    # the label keeps its full size (the prediction is resized to it)
    assert val[0]['data_samples'].gt_sem_seg.data.shape[1:] == (8, 12)
    # the evaluator on the val label, with the car block (columns 3-5)
    # predicted as road: road IoU 24/48, car 0, sky 1 -> mIoU 50
    metric = METRICS.build(cfg.val_evaluator)
    metric.dataset_meta = val.metainfo
    label = val[0]['data_samples'].gt_sem_seg.data
    pred = label.clone()
    pred[:, :, 3:6] = label[0, 0, 0]
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=label)
    sample.pred_sem_seg = PixelData(data=pred)
    sample.seg_logits = PixelData(
        data=torch.zeros(len(classes), *label.shape[1:]))
    metric.process({}, [sample.to_dict()])
    result = metric.evaluate(1)
    assert result['mIoU'] == pytest.approx(50.0)
    for subset in cfg.val_evaluator.get('subsets', {}):
        assert result[subset] == pytest.approx(50.0)
    assert cfg.train_dataloader.batch_size == cfg.train_batch_size


def test_synthia_logs_16_and_13(roots):
    cfg = load('uda_synthia_to_cityscapes.py', roots['synthia'],
               roots['cityscapes'])
    assert tuple(cfg.synthia_classes) == SYNTHIA_CLASSES
    assert tuple(cfg.val_evaluator.subsets['mIoU13']) == SYNTHIA13_CLASSES
    assert cfg.val_evaluator.all_name == 'mIoU16'
    assert cfg.source_scale == (1280, 760)


def test_adaptsegnet_sizes():
    cfg = Config.fromfile(osp.join(CONFIGS, 'uda_gta5_to_cityscapes.py'))
    assert cfg.source_scale == (1280, 720)
    assert cfg.target_scale == (1024, 512) == cfg.test_scale
    assert cfg.train_batch_size == 1
    names = [t['type'] for t in cfg.source_pipeline]
    assert 'RandomFlip' not in names


@pytest.mark.parametrize('name,src,tgt,depth', [
    ('gta5.py', 'gta5', 'cityscapes', False),
    ('synthia.py', 'synthia', 'cityscapes', False),
    ('vkitti.py', 'vkitti', 'kitti', True),
])
def test_source_only_configs(roots, name, src, tgt, depth):
    cfg = load(name, roots[src], roots[tgt])
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    check_sample(ds[0], True, depth)


def test_every_config_reads_gta5_train_ids(tmp_path, make_gta5, repo_configs):
    """Every GTA5 dataset of every config under configs/ loads the fixture's
    labels (GTA5's palette PNGs, converted) as the right train ids with the
    config's own LoadAnnotations (a config reading the palette files
    themselves, or decoding them with OpenCV, would get ids or colours)."""
    from udaplug.apis import visit_dataloaders
    root = make_gta5(str(tmp_path / 'gta5'), n=1)
    checked = []
    for name, cfg in repo_configs.items():
        found = []
        visit_dataloaders(
            cfg, lambda node: found.append(node)
            if node.get('type') == 'GTA5Dataset' else None)
        for node in found:
            load = [
                t for t in node.get('pipeline', [])
                if t['type'] == 'LoadAnnotations'
            ]
            if not load:
                continue
            dataset = DATASETS.build(
                dict(node.to_dict(), data_root=root, pipeline=load))
            label = dataset[0]['gt_seg_map']
            classes = dataset.metainfo['classes']
            expected = [
                classes.index(n) if n in classes else 255
                for n in ('road', 'car', 'unlabeled', 'sky')
            ]
            for block, value in enumerate(expected):
                np.testing.assert_array_equal(
                    label[:, 3 * block:3 * block + 3], value, err_msg=name)
            checked.append(name)
    # the AdaptSegNet, source-only and demo configs and their bases
    assert len(set(checked)) >= 9, checked

"""UDADataset: output and batch structure, target sampling, class checks."""
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmseg.structures import SegDataSample

from udaplug.datasets import (CityscapesDataset, ClassMismatchError,
                              GTA5Dataset, UDADataset, check_num_classes)
from udaplug.datasets.label_sets import SYNTHIA_CLASSES
from udaplug.registry import DATASETS

SRC_PIPE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
TGT_PIPE = [dict(type='LoadImageFromFile'), dict(type='PackSegInputs')]


@pytest.fixture
def roots(tmp_path, make_gta5, make_cityscapes):
    return dict(
        source=make_gta5(str(tmp_path / 'gta5'), n=5),
        target=make_cityscapes(str(tmp_path / 'cs'), splits=('train', ), n=3))


def uda_cfg(roots, **kwargs):
    return dict(
        type='UDADataset',
        source=dict(
            type='GTA5Dataset', data_root=roots['source'], pipeline=SRC_PIPE),
        target=dict(
            type='CityscapesDataset',
            data_root=roots['target'],
            data_prefix=dict(img_path='leftImg8bit/train'),
            pipeline=TGT_PIPE),
        **kwargs)


def test_item_and_batch_structure(roots):
    ds = DATASETS.build(uda_cfg(roots, seed=1))
    assert len(ds) == 5
    assert ds.metainfo['classes'] == ds.source.metainfo['classes']
    item = ds[2]
    assert set(item) == {'source', 'target'}
    for domain in ('source', 'target'):
        assert isinstance(item[domain]['inputs'], torch.Tensor)
        assert isinstance(item[domain]['data_samples'], SegDataSample)
    assert 'gt_sem_seg' in item['source']['data_samples']
    assert 'gt_sem_seg' not in item['target']['data_samples']
    assert item['source']['data_samples'].img_path.endswith('00003.png')
    assert 'leftImg8bit/train' in item['target']['data_samples'].img_path
    batch = pseudo_collate([ds[0], ds[1]])
    assert set(batch) == {'source', 'target'}
    for domain in ('source', 'target'):
        assert set(batch[domain]) == {'inputs', 'data_samples'}
        assert len(batch[domain]['inputs']) == 2
        assert len(batch[domain]['data_samples']) == 2


def test_sequential_target_sampling(roots):
    ds = DATASETS.build(uda_cfg(roots, target_sampling='sequential'))
    assert [ds.target_index(i) for i in range(5)] == [0, 1, 2, 0, 1]


def test_random_target_sampling_is_seeded(roots):
    draws = []
    for _ in range(2):
        ds = DATASETS.build(uda_cfg(roots, seed=7))
        # every index, three passes
        draws.append([ds.target_index(i) for _ in range(3) for i in range(5)])
    assert draws[0] == draws[1]
    assert all(0 <= j < 3 for j in draws[0])
    assert len(set(draws[0])) == 3  # every target image gets drawn
    ds = DATASETS.build(uda_cfg(roots, seed=8))
    assert [ds.target_index(i) for _ in range(3) for i in range(5)] != \
        draws[0]
    # a new pass pairs a source index with other target images
    ds = DATASETS.build(uda_cfg(roots, seed=7))
    passes = [[ds.target_index(i) for i in range(5)] for _ in range(4)]
    assert len({tuple(p) for p in passes}) > 1


def test_default_seed_follows_global_seed(roots):
    from mmengine.runner import set_random_seed
    set_random_seed(123)
    a = DATASETS.build(uda_cfg(roots)).seed
    set_random_seed(123)
    b = DATASETS.build(uda_cfg(roots)).seed
    set_random_seed(124)
    c = DATASETS.build(uda_cfg(roots)).seed
    assert a == b
    assert c != a  # not a constant: it follows the global seed


def test_accepts_built_datasets(roots):
    src = GTA5Dataset(data_root=roots['source'], pipeline=SRC_PIPE)
    tgt = CityscapesDataset(
        data_root=roots['target'],
        pipeline=TGT_PIPE,
        data_prefix=dict(img_path='leftImg8bit/train'))
    ds = UDADataset(source=src, target=tgt, seed=0)
    assert len(ds) == 5 and ds[0]['target']['inputs'].shape[0] == 3


def test_domains_with_different_classes(roots):
    cfg = uda_cfg(roots)
    cfg['target']['metainfo'] = dict(classes=SYNTHIA_CLASSES)
    with pytest.raises(ClassMismatchError) as err:
        DATASETS.build(cfg)
    assert 'source (GTA5Dataset)' in str(err.value)
    assert 'target (CityscapesDataset)' in str(err.value)
    # with the same metainfo on both sides it works
    cfg['source']['metainfo'] = dict(classes=SYNTHIA_CLASSES)
    ds = DATASETS.build(cfg)
    assert ds.metainfo['classes'] == SYNTHIA_CLASSES


def test_target_labels_are_refused(roots):
    cfg = uda_cfg(roots)
    cfg['target']['pipeline'] = SRC_PIPE
    cfg['target']['data_prefix']['seg_map_path'] = 'gtFine/train'
    with pytest.raises(ValueError, match='LoadAnnotations'):
        DATASETS.build(cfg)
    assert len(DATASETS.build(dict(cfg, allow_target_labels=True))) == 5


def test_num_classes_check(roots):
    with pytest.raises(ClassMismatchError, match='num_classes=16'):
        DATASETS.build(uda_cfg(roots, num_classes=16))
    assert len(DATASETS.build(uda_cfg(roots, num_classes=19))) == 5


def test_bad_sampling_name(roots):
    with pytest.raises(ValueError, match='sequential'):
        DATASETS.build(uda_cfg(roots, target_sampling='cyclic'))


def test_check_num_classes_helper():
    meta = dict(classes=('a', 'b', 'c'))
    assert check_num_classes(3, meta) == 3
    model = dict(
        type='EncoderDecoder',
        decode_head=dict(num_classes=3),
        auxiliary_head=[dict(num_classes=3),
                        dict(num_classes=4)])
    with pytest.raises(ClassMismatchError) as err:
        check_num_classes(model, meta)
    assert 'auxiliary_head[1].num_classes=4' in str(err.value)
    assert "('a', 'b', 'c')" in str(err.value)
    from mmseg.models.decode_heads import FCNHead
    head = FCNHead(in_channels=4, channels=4, num_classes=2, num_convs=1)
    with pytest.raises(ClassMismatchError, match='num_classes=2'):
        check_num_classes(head, meta)
    with pytest.raises(ClassMismatchError, match='no "classes"'):
        check_num_classes(3, dict())
    np.testing.assert_equal(check_num_classes(dict(x=1), meta), 3)

"""udaplug's datasets on tiny native-format fixtures: listing, exact train
ids after loading, label sets, and the errors for bad input."""
import os
import os.path as osp

import numpy as np
import pytest

from udaplug.datasets import (CityscapesDataset, ClassMismatchError,
                              GTA5Dataset, KittiSegDataset, LabelNotFoundError,
                              SampleLoadError, SynscapesDataset,
                              SynthiaDataset, VKittiDataset)
from udaplug.datasets.converters import (convert_kitti, convert_synscapes,
                                         convert_synthia, convert_vkitti)
from udaplug.datasets.label_sets import (CITYSCAPES_CLASSES, GIOADA_CLASSES,
                                         SYNTHIA13_CLASSES, SYNTHIA_CLASSES)
from udaplug.utils import DataRootNotFoundError

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]


def label_of(dataset, idx=0):
    return dataset[idx]['gt_seg_map']


def column_values(label, bounds=((0, 3), (3, 6), (6, 9), (9, 12))):
    out = []
    for a, b in bounds:
        vals = np.unique(label[:, a:b])
        assert len(vals) == 1, vals
        out.append(int(vals[0]))
    return tuple(out)


def test_gta5_lists_and_loads(tmp_path, make_gta5, id_label_train_ids):
    root = make_gta5(str(tmp_path / 'gta5'), n=3)
    ds = GTA5Dataset(data_root=root, pipeline=LOAD)
    assert len(ds) == 3
    assert ds.metainfo['classes'] == CITYSCAPES_CLASSES
    info = ds.get_data_info(1)
    assert info['img_path'] == osp.join(root, 'images', '00002.png')
    assert info['seg_map_path'] == osp.join(root, 'labels',
                                            '00002_labelTrainIds.png')
    assert column_values(label_of(ds)) == id_label_train_ids
    # a subset of the classes: the others become 255, ids are renumbered
    sub = GTA5Dataset(
        data_root=root,
        pipeline=LOAD,
        metainfo=dict(classes=('road', 'sky', 'car')))
    assert column_values(label_of(sub)) == (0, 2, 255, 1)
    assert len(sub.metainfo['palette']) == 3


def test_cityscapes_labelled_and_unlabelled(tmp_path, make_cityscapes,
                                            id_label_train_ids):
    root = make_cityscapes(str(tmp_path / 'cs'))
    val = CityscapesDataset(
        data_root=root,
        pipeline=LOAD,
        data_prefix=dict(
            img_path='leftImg8bit/val', seg_map_path='gtFine/val'))
    assert len(val) == 2
    assert column_values(label_of(val)) == id_label_train_ids
    train = CityscapesDataset(
        data_root=root,
        pipeline=[dict(type='LoadImageFromFile')],
        data_prefix=dict(img_path='leftImg8bit/train'))
    assert 'seg_map_path' not in train.get_data_info(0)
    assert 'gt_seg_map' not in train[0]


def test_synthia_16_classes_and_13_subset(tmp_path, make_synthia):
    root = make_synthia(str(tmp_path / 'synthia'), n=2)
    assert convert_synthia(root).exit_code == 0
    ds = SynthiaDataset(data_root=root, pipeline=LOAD)
    assert ds.metainfo['classes'] == SYNTHIA_CLASSES
    assert column_values(label_of(ds)) == (0, 12, 255, 9)
    ds13 = SynthiaDataset(
        data_root=root,
        pipeline=LOAD,
        metainfo=dict(classes=SYNTHIA13_CLASSES))
    # road 0, car 9, sky 6 in the 13-class set
    assert column_values(label_of(ds13)) == (0, 9, 255, 6)


def test_vkitti_filters_worlds_and_variations(tmp_path, make_vkitti):
    root = make_vkitti(str(tmp_path / 'vkitti'))
    assert convert_vkitti(root).exit_code == 0
    ds = VKittiDataset(data_root=root, pipeline=LOAD)
    assert len(ds) == 8 and ds.metainfo['classes'] == GIOADA_CLASSES
    clone = VKittiDataset(
        data_root=root, pipeline=LOAD, variations=['clone'], worlds=['0002'])
    assert len(clone) == 2
    assert all(
        osp.join('0002', 'clone') in clone.get_data_info(i)['img_path']
        for i in range(2))
    label = label_of(clone)
    assert [int(label[0, 2 * k]) for k in range(6)] == [0, 8, 8, 8, 5, 255]
    with pytest.raises(FileNotFoundError, match='rain'):
        VKittiDataset(data_root=root, pipeline=LOAD, variations=['rain'])


def test_kitti_label_sets(tmp_path, make_kitti, id_label_train_ids):
    root = make_kitti(str(tmp_path / 'kitti'))
    assert convert_kitti(root).exit_code == 0
    ds = KittiSegDataset(data_root=root, pipeline=LOAD)
    assert ds.metainfo['classes'] == GIOADA_CLASSES
    # road 0, car 8, unlabeled 255, sky 7 in the 10-class set
    assert column_values(label_of(ds)) == (0, 8, 255, 7)
    assert ds.metainfo['palette'][8] == [0, 0, 142]
    ds19 = KittiSegDataset(
        data_root=root, pipeline=LOAD, label_set='cityscapes19')
    assert column_values(label_of(ds19)) == id_label_train_ids
    test = KittiSegDataset(
        data_root=root,
        data_prefix=dict(img_path='testing/image_2'),
        pipeline=[dict(type='LoadImageFromFile')])
    assert len(test) == 2 and 'gt_seg_map' not in test[0]
    with pytest.raises(ClassMismatchError, match='label_set'):
        KittiSegDataset(
            data_root=root,
            pipeline=LOAD,
            metainfo=dict(classes=('road', 'car')))
    # without a label set, mmseg's class subset: road 0, car 1, the rest
    # (unlabeled, sky) ignored
    sub = KittiSegDataset(
        data_root=root,
        pipeline=LOAD,
        label_set=None,
        metainfo=dict(classes=('road', 'car')))
    assert column_values(label_of(sub)) == (0, 1, 255, 255)


def test_synscapes(tmp_path, make_synscapes, id_label_train_ids):
    root = make_synscapes(str(tmp_path / 'syn'))
    assert convert_synscapes(root).exit_code == 0
    ds = SynscapesDataset(data_root=root, pipeline=LOAD)
    assert len(ds) == 2
    assert column_values(label_of(ds)) == id_label_train_ids


# -- bad input -------------------------------------------------------------
def test_missing_data_root_names_path_and_converter(tmp_path):
    missing = str(tmp_path / 'no_gta5_here')
    with pytest.raises(DataRootNotFoundError) as err:
        GTA5Dataset(data_root=missing, pipeline=LOAD)
    assert missing in str(err.value)
    assert 'tools/convert_datasets/gta5.py' in str(err.value)


def test_prepare_hint_replaces_converter(tmp_path):
    with pytest.raises(DataRootNotFoundError) as err:
        GTA5Dataset(
            data_root=str(tmp_path / 'demo' / 'gta5'),
            pipeline=LOAD,
            prepare_hint='python tools/make_demo_data.py')
    assert 'Create it with: python tools/make_demo_data.py' in \
        str(err.value)
    assert 'convert_datasets' not in str(err.value)


def test_missing_split_folder(tmp_path, make_cityscapes):
    root = make_cityscapes(str(tmp_path / 'cs'), splits=('train', ))
    with pytest.raises(DataRootNotFoundError) as err:
        CityscapesDataset(
            data_root=root,
            pipeline=LOAD,
            data_prefix=dict(
                img_path='leftImg8bit/val', seg_map_path='gtFine/val'))
    assert osp.join(root, 'leftImg8bit/val') in str(err.value)
    assert 'image folder' in str(err.value)


def test_image_without_label_is_named(tmp_path, make_gta5):
    root = make_gta5(str(tmp_path / 'gta5'), n=3)
    os.remove(osp.join(root, 'labels', '00002_labelTrainIds.png'))
    with pytest.raises(LabelNotFoundError) as err:
        GTA5Dataset(data_root=root, pipeline=LOAD)
    message = str(err.value)
    assert '1 of 3 images' in message
    assert osp.join('images', '00002.png') in message
    assert '00002_labelTrainIds.png' in message
    assert 'convert_datasets/gta5.py' in message


def test_unconverted_dataset_points_to_converter(tmp_path, make_gta5):
    root = make_gta5(str(tmp_path / 'gta5'), n=2, converted=False)
    with pytest.raises(LabelNotFoundError, match='convert_datasets/gta5.py'):
        GTA5Dataset(data_root=root, pipeline=LOAD)


def test_empty_image_folder(tmp_path):
    os.makedirs(tmp_path / 'gta5' / 'images')
    os.makedirs(tmp_path / 'gta5' / 'labels')
    with pytest.raises(FileNotFoundError, match='no images'):
        GTA5Dataset(data_root=str(tmp_path / 'gta5'), pipeline=LOAD)


@pytest.mark.parametrize(
    'broken', ['images/00001.png', 'labels/00001_labelTrainIds.png'])
def test_corrupt_file_is_named_when_loading(tmp_path, broken, make_gta5,
                                            truncate):
    root = make_gta5(str(tmp_path / 'gta5'), n=2)
    truncate(osp.join(root, broken))
    ds = GTA5Dataset(data_root=root, pipeline=LOAD)
    ds[1]  # the intact sample loads
    with pytest.raises(SampleLoadError) as err:
        ds[0]
    assert osp.join(root, broken) in str(err.value)
    assert 'corrupt' in str(err.value)


def test_metainfo_it_cannot_honour(tmp_path, make_gta5, make_vkitti):
    root = make_gta5(str(tmp_path / 'gta5'), n=1)
    with pytest.raises(ClassMismatchError, match='lorry'):
        GTA5Dataset(
            data_root=root,
            pipeline=LOAD,
            metainfo=dict(classes=('road', 'lorry')))
    with pytest.raises(ClassMismatchError, match='duplicate'):
        GTA5Dataset(
            data_root=root,
            pipeline=LOAD,
            metainfo=dict(classes=('road', 'road')))
    with pytest.raises(ClassMismatchError, match='palette'):
        GTA5Dataset(
            data_root=root,
            pipeline=LOAD,
            metainfo=dict(classes=CITYSCAPES_CLASSES, palette=[[0, 0, 0]] * 3))
    # Virtual KITTI labels hold 10 classes: 19 cannot be honoured
    vk = make_vkitti(str(tmp_path / 'vkitti'), frames=1)
    convert_vkitti(vk)
    with pytest.raises(ClassMismatchError, match='sidewalk'):
        VKittiDataset(
            data_root=vk,
            pipeline=LOAD,
            metainfo=dict(classes=CITYSCAPES_CLASSES))

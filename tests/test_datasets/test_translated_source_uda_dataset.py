"""TranslatedSourceUDADataset: every source sample with its translation,
and the check that the translated set holds exactly the source images."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from mmengine.dataset import pseudo_collate

from udaplug.datasets import TranslationMismatchError
from udaplug.registry import DATASETS

SRC_PIPE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
TGT_PIPE = [dict(type='LoadImageFromFile'), dict(type='PackSegInputs')]


def translate_like_the_tool(source_root, out):
    """The layout tools/translate.py writes: images/<stem>.png (here the
    inverted source image) and labels/<stem>_labelTrainIds.png."""
    import cv2
    for name in sorted(os.listdir(osp.join(source_root, 'images'))):
        stem = name[:-4]
        img = cv2.imread(osp.join(source_root, 'images', name))
        os.makedirs(osp.join(out, 'images'), exist_ok=True)
        os.makedirs(osp.join(out, 'labels'), exist_ok=True)
        cv2.imwrite(osp.join(out, 'images', f'{stem}.png'), 255 - img)
        shutil.copy(
            osp.join(source_root, 'labels', f'{stem}_labelTrainIds.png'),
            osp.join(out, 'labels', f'{stem}_labelTrainIds.png'))
    return out


@pytest.fixture
def roots(tmp_path, make_gta5, make_cityscapes):
    source = make_gta5(str(tmp_path / 'gta5'), n=4)
    return dict(
        source=source,
        translated=translate_like_the_tool(source, str(tmp_path / 'trans')),
        target=make_cityscapes(str(tmp_path / 'cs'), splits=('train', ), n=3))


def cfg(roots):
    return dict(
        type='TranslatedSourceUDADataset',
        source=dict(
            type='GTA5Dataset', data_root=roots['source'], pipeline=SRC_PIPE),
        translated=dict(
            type='GTA5Dataset',
            data_root=roots['translated'],
            pipeline=SRC_PIPE),
        target=dict(
            type='CityscapesDataset',
            data_root=roots['target'],
            data_prefix=dict(img_path='leftImg8bit/train'),
            pipeline=TGT_PIPE),
        seed=0)


def test_items_pair_each_source_image_with_its_translation(roots):
    ds = DATASETS.build(cfg(roots))
    assert len(ds) == 4
    item = ds[2]
    assert set(item) == {'source', 'translated', 'target'}
    src, trans = item['source'], item['translated']
    assert osp.basename(src['data_samples'].img_path) == '00003.png'
    assert trans['data_samples'].img_path == osp.join(roots['translated'],
                                                      'images', '00003.png')
    np.testing.assert_array_equal(src['data_samples'].gt_sem_seg.data,
                                  trans['data_samples'].gt_sem_seg.data)
    np.testing.assert_array_equal(255 - src['inputs'].numpy(),
                                  trans['inputs'].numpy())
    batch = pseudo_collate([ds[0], ds[1]])
    assert len(batch['translated']['inputs']) == 2


def test_incomplete_translated_set_names_the_first_missing_image(roots):
    os.remove(osp.join(roots['translated'], 'images', '00002.png'))
    os.remove(
        osp.join(roots['translated'], 'labels', '00002_labelTrainIds.png'))
    ds = DATASETS.build(cfg(roots))
    with pytest.raises(
            TranslationMismatchError,
            match=r'incomplete: 1 of 4 .*"00002".*00002.png'):
        ds[0]


def test_translated_set_with_other_images(roots):
    for sub, suffix in (('images', '.png'), ('labels', '_labelTrainIds.png')):
        shutil.copy(
            osp.join(roots['translated'], sub, f'00001{suffix}'),
            osp.join(roots['translated'], sub, f'09999{suffix}'))
    ds = DATASETS.build(cfg(roots))
    with pytest.raises(TranslationMismatchError, match='"09999"'):
        ds.full_init()

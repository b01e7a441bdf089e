"""SegPredictionDumpHook writes coloured predictions and labels."""
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from udaplug.datasets.label_sets import CITYSCAPES_PALETTE, GIOADA_PALETTE
from udaplug.registry import HOOKS


def output(img_path, pred, label=None):
    s = SegDataSample(metainfo=dict(img_path=img_path))
    s.pred_sem_seg = PixelData(data=torch.as_tensor(pred)[None])
    if label is not None:
        s.gt_sem_seg = PixelData(data=torch.as_tensor(label)[None])
    return s


def runner(meta=None, it=0):
    return SimpleNamespace(
        visualizer=SimpleNamespace(dataset_meta=meta),
        iter=it,
        test_dataloader=None,
        val_dataloader=None)


def rgb(path):
    img = cv2.imread(path)
    assert img is not None, path
    return img[..., ::-1]


def test_test_loop_dump(tmp_path):
    out = str(tmp_path / 'show')
    hook = HOOKS.build(dict(type='SegPredictionDumpHook', out_dir=out))
    run = runner(dict(classes=('a', 'b', 'c'), palette=GIOADA_PALETTE[:3]))
    pred = np.array([[0, 1], [2, 2]])
    label = np.array([[0, 255], [2, 1]])
    hook.before_test(run)
    hook.after_test_iter(run, 0, None, [
        output('/data/x/frankfurt_000000_000294_leftImg8bit.png', pred, label),
        output('/data/x/unlabelled.png', pred)
    ])
    stem = osp.join(out, 'frankfurt_000000_000294_leftImg8bit')
    p, lab = rgb(stem + '_pred.png'), rgb(stem + '_label.png')
    assert tuple(p[0, 0]) == tuple(GIOADA_PALETTE[0])
    assert tuple(p[0, 1]) == tuple(GIOADA_PALETTE[1])
    assert tuple(p[1, 0]) == tuple(GIOADA_PALETTE[2])
    assert tuple(lab[0, 1]) == (0, 0, 0)  # ignored
    assert tuple(lab[1, 1]) == tuple(GIOADA_PALETTE[1])
    assert osp.isfile(osp.join(out, 'unlabelled_pred.png'))
    assert not osp.exists(osp.join(out, 'unlabelled_label.png'))


def test_val_dumps_per_iteration_and_same_stems(tmp_path):
    out = str(tmp_path / 'vis')
    hook = HOOKS.build(
        dict(type='SegPredictionDumpHook', out_dir=out, max_images=3))
    run = runner(None, it=40)  # no metainfo: Cityscapes colours
    pred = np.full((2, 3), 13)
    hook.before_val(run)
    hook.after_val_iter(run, 0, None, [
        output('vk/0001/clone/00000.png', pred),
        output('vk/0002/clone/00000.png', pred),
        output('vk/0002/fog/00000.png', pred),
        output('vk/0002/fog/00001.png', pred),
    ])
    folder = osp.join(out, 'iter_40')
    assert osp.isfile(osp.join(folder, '00000_pred.png'))
    # same stem: told apart by the nearest parent folder that differs
    assert osp.isfile(osp.join(folder, 'clone_00000_pred.png'))
    assert osp.isfile(osp.join(folder, 'fog_00000_pred.png'))
    assert not osp.exists(osp.join(folder, '00001_pred.png'))  # max_images
    assert tuple(rgb(osp.join(folder, '00000_pred.png'))[0, 0]) == \
        tuple(CITYSCAPES_PALETTE[13])


def test_disabled_loops(tmp_path):
    out = str(tmp_path / 'none')
    hook = HOOKS.build(
        dict(
            type='SegPredictionDumpHook',
            out_dir=out,
            on_val=False,
            on_test=False))
    run = runner()
    hook.before_val(run)
    hook.after_val_iter(run, 0, None, [output('a.png', np.zeros((2, 2)))])
    hook.before_test(run)
    hook.after_test_iter(run, 0, None, [output('a.png', np.zeros((2, 2)))])
    assert not osp.exists(out)

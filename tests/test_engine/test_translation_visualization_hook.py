import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from udaplug.engine.hooks import TranslationVisualizationHook
from udaplug.models.uda import BaseUDASegmentor
from udaplug.registry import HOOKS

PALETTE = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]


class _Model(BaseUDASegmentor):
    """Only the declared interface the hook calls."""

    def __init__(self):
        nn.Module.__init__(self)
        self.calls = 0

    def visualization_outputs(self):
        self.calls += 1
        source = torch.zeros(3, 8, 12)
        source[0] = 1.0  # red
        translated = torch.zeros(3, 8, 12)
        translated[2] = 1.0  # blue
        depth = torch.linspace(0, 1, 12).repeat(8, 1)
        seg = torch.zeros(4, 6, dtype=torch.long)  # half size: resized
        seg[:, 3:] = 1
        return dict(
            source_image=source,
            translated_image=translated,
            depth_pred=depth,
            seg_pred=seg)


def _runner(tmp_path, model, it):
    return SimpleNamespace(
        model=model,
        iter=it,
        work_dir=str(tmp_path),
        visualizer=SimpleNamespace(
            dataset_meta=dict(classes=('a', 'b', 'c'), palette=PALETTE)))


def test_registered():
    assert HOOKS.get('TranslationVisualizationHook') is \
        TranslationVisualizationHook


def test_saves_side_by_side_png_every_interval(tmp_path):
    hook = TranslationVisualizationHook(interval=2, out_dir='vis')
    model = _Model()
    for it in range(4):
        hook.after_train_iter(_runner(tmp_path, model, it), it)
    assert model.calls == 2
    assert not osp.exists(tmp_path / 'vis' / 'iter_00000001.png')
    path = tmp_path / 'vis' / 'iter_00000004.png'
    img = cv2.imread(str(path))[..., ::-1]  # RGB
    assert img.shape == (8, 48, 3)
    np.testing.assert_array_equal(img[:, :12], [[[255, 0, 0]] * 12] * 8)
    np.testing.assert_array_equal(img[:, 12:24], [[[0, 0, 255]] * 12] * 8)
    depth = img[:, 24:36]
    assert not np.array_equal(depth[:, 0], depth[:, -1])  # colour map
    seg = img[:, 36:]
    np.testing.assert_array_equal(seg[:, :6], [[[255, 0, 0]] * 6] * 8)
    np.testing.assert_array_equal(seg[:, 6:], [[[0, 255, 0]] * 6] * 8)


def test_missing_panels_are_skipped(tmp_path):
    hook = TranslationVisualizationHook(interval=1)
    model = _Model()
    outputs = model.visualization_outputs()
    del outputs['translated_image']
    strip = hook.render(outputs, PALETTE)
    assert strip.shape == (8, 36, 3)
    assert hook.render({}, PALETTE) is None


def test_model_without_outputs_warns_once(tmp_path):
    hook = TranslationVisualizationHook(interval=1)
    runner = _runner(tmp_path, object(), 0)
    with pytest.warns(UserWarning, match='visualization_outputs'):
        hook.after_train_iter(runner, 0)
    hook.after_train_iter(runner, 1)
    assert not osp.exists(tmp_path / 'vis')


def test_with_gioada_model(tmp_path, build_gioada, gioada_batch,
                           optim_wrappers):
    model = build_gioada(4)
    model.train_step(gioada_batch(4), optim_wrappers(model))
    hook = TranslationVisualizationHook(interval=1)
    hook.after_train_iter(_runner(tmp_path, model, 0), 0)
    img = cv2.imread(str(tmp_path / 'vis' / 'iter_00000001.png'))[..., ::-1]
    assert img.shape == (32, 64 * 4, 3)
    # source | translation | depth | segmentation: the model's last step
    vis = model.visualization_outputs()
    for i, key in enumerate(('source_image', 'translated_image')):
        expected = (vis[key].permute(1, 2, 0).numpy() * 255).round()
        np.testing.assert_allclose(
            img[:, 64 * i:64 * (i + 1)], expected, atol=1)
    assert not np.array_equal(img[:, :64], img[:, 64:128])
    colours = np.zeros((256, 3), np.uint8)  # 3 palette colours, else black
    colours[:3] = PALETTE
    np.testing.assert_array_equal(img[:, 192:],
                                  colours[vis['seg_pred'].numpy()])

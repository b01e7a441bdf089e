"""mmseg's inference APIs on udaplug's configs: ``mmseg.apis.init_model``,
``inference_model`` and ``MMSegInferencer``, for every config file under
configs/ (parametrised over the files found on disk, see conftest.py)."""
import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config


def _image_size(path):
    return cv2.imread(path).shape[:2]


def _check_prediction(pred: torch.Tensor, size, num_classes: int, what: str):
    assert tuple(pred.shape[-2:]) == tuple(size), \
        f'{what}: prediction {tuple(pred.shape)}, image {size}'
    assert int(pred.min()) >= 0 and int(pred.max()) < num_classes, \
        f'{what}: labels {pred.unique().tolist()} outside 0..{num_classes-1}'


def test_top_level_test_pipeline_is_the_test_loaders(config_relpath,
                                                     model_config,
                                                     config_test_pipelines):
    """``inference_model`` reads ``cfg.test_pipeline``, ``MMSegInferencer``
    and tools/test.py the test dataloader's: both must exist and agree."""
    cfg = model_config(config_relpath)
    assert 'test_pipeline' in cfg, (
        f'{config_relpath}: no top-level test_pipeline (mmseg\'s '
        'inference_model reads cfg.test_pipeline); define it in the dataset '
        'config and use it in test_dataloader')
    top, loader = config_test_pipelines(cfg)
    assert top == loader, (
        f'{config_relpath}: test_pipeline differs from '
        'test_dataloader.dataset.pipeline; set both (a config that '
        'overrides one must override the other)')


def test_model_config_names_its_scope(config_relpath, model_config):
    cfg = model_config(config_relpath)
    assert cfg.model.get('_scope_') == 'udaplug', (
        f'{config_relpath}: model has no _scope_=\'udaplug\'; '
        "MMSegInferencer builds models in scope 'mmseg' unless the model "
        "config names its own (model = dict(_scope_='udaplug', type=...))")


def test_init_model_inference_model_and_inferencer(config_relpath,
                                                   model_config, dataset_meta,
                                                   released_image, tmp_path):
    """Without a checkpoint (the real weights are not available here):
    init_model builds the config's model, inference_model predicts a label
    map of the image's size with the dataset's classes, from a file and from
    an array; MMSegInferencer (mmseg's default scope) returns and writes
    one."""
    from mmseg.apis import MMSegInferencer, inference_model, init_model
    cfg = model_config(config_relpath)
    num_classes = len(dataset_meta(cfg)['classes'])
    size = _image_size(released_image)

    model = init_model(cfg.copy(), None, device='cpu')
    assert type(model).__name__ == cfg.model.type
    result = inference_model(model, released_image)
    _check_prediction(result.pred_sem_seg.data, size, num_classes,
                      config_relpath)
    # one score map per class of the dataset, at the image's size
    assert result.seg_logits.data.shape == (num_classes, *size)
    # the same image as an array (BGR, as mmcv reads files)
    from_array = inference_model(model, [cv2.imread(released_image)])
    assert isinstance(from_array, list) and len(from_array) == 1
    torch.testing.assert_close(from_array[0].seg_logits.data,
                               result.seg_logits.data)

    inferencer = MMSegInferencer(model=cfg.copy(), device='cpu')
    out_dir = str(tmp_path / 'out')
    out = inferencer(released_image, out_dir=out_dir)
    _check_prediction(
        torch.as_tensor(out['predictions']), size, num_classes,
        f'{config_relpath} (MMSegInferencer)')
    written = cv2.imread(
        osp.join(out_dir, 'pred', '00000000_pred.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(written, out['predictions'])
    vis = cv2.imread(osp.join(out_dir, 'vis', osp.basename(released_image)))
    assert vis is not None and vis.shape[:2] == size


def test_checkpoint_round_trip(method_config_relpath, model_config,
                               dataset_meta, released_image, tmp_path):
    """One config per method: a checkpoint of the model (state dict and the
    runner's ``meta.dataset_meta``) loads through init_model and
    MMSegInferencer, which then predict exactly what the saved model
    does."""
    from mmengine.runner import save_checkpoint
    from mmseg.apis import MMSegInferencer, inference_model, init_model
    cfg = model_config(method_config_relpath)
    cfg_file = str(tmp_path / 'config.py')
    cfg.dump(cfg_file)
    meta = dataset_meta(cfg)
    torch.manual_seed(0)
    saved = init_model(cfg.copy(), None, device='cpu')
    ckpt = str(tmp_path / 'iter_1.pth')
    save_checkpoint(
        dict(
            meta=dict(dataset_meta=meta, cfg=cfg.pretty_text),
            state_dict=saved.state_dict()), ckpt)
    expected = inference_model(saved, released_image)

    torch.manual_seed(1)  # other random weights, replaced by the checkpoint
    loaded = init_model(cfg_file, ckpt, device='cpu')
    state = loaded.state_dict()
    assert set(state) == set(saved.state_dict())
    for key, value in saved.state_dict().items():
        assert torch.equal(state[key], value), key
    assert loaded.dataset_meta['classes'] == meta['classes']
    got = inference_model(loaded, released_image)
    torch.testing.assert_close(got.seg_logits.data, expected.seg_logits.data)
    assert torch.equal(got.pred_sem_seg.data, expected.pred_sem_seg.data)

    inferencer = MMSegInferencer(model=cfg_file, weights=ckpt, device='cpu')
    assert inferencer.model.dataset_meta['classes'] == meta['classes']
    out_dir = str(tmp_path / 'out')
    out = inferencer(released_image, out_dir=out_dir)
    np.testing.assert_array_equal(out['predictions'],
                                  expected.pred_sem_seg.data[0].numpy())
    assert glob.glob(osp.join(out_dir, 'vis', '*.png'))


def test_no_registry_scope_warnings(registry_warnings, demo_data,
                                    released_image, tmp_path, monkeypatch):
    """udaplug has a child of every mmengine root registry, so nothing built
    or run with default_scope='udaplug' falls back to another scope's
    registry with a 'Failed to search registry' warning: training and
    testing with the runner, init_model/inference_model, MMSegInferencer
    with scope='udaplug'."""
    import gc

    import mmengine.registry as root_registries
    from mmengine.registry import Registry
    from mmseg.apis import MMSegInferencer, inference_model, init_model

    from udaplug.apis import build_runner, load_config, set_data_roots
    roots = [
        r for r in vars(root_registries).values() if isinstance(r, Registry)
    ]
    assert len(roots) > 20
    missing = [r.name for r in roots if r._search_child('udaplug') is None]
    assert not missing, f'udaplug has no child registry of: {missing}'

    # mmengine runs a full gc.collect() per dataset build (a second each)
    monkeypatch.setattr(gc, 'collect', lambda *args: 0)
    config = osp.join(
        osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
        'configs', 'demo', 'adaptsegnet_demo.py')
    cfg = load_config(config)
    set_data_roots(cfg, {'data/demo': demo_data})
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg.max_iters = 1
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_dataloader.batch_size = 1
    cfg.default_hooks.checkpoint.interval = 1
    runner = build_runner(cfg)
    runner.train()
    runner.test()
    ckpt = osp.join(cfg.work_dir, 'iter_1.pth')

    model = init_model(Config.fromfile(config), ckpt, device='cpu')
    inference_model(model, released_image)
    MMSegInferencer(
        model=config, weights=ckpt, device='cpu', scope='udaplug')(
            released_image)
    scope_warnings = [
        m for m in registry_warnings
        if 'Failed to search registry' in m and '"udaplug"' in m
    ]
    assert not scope_warnings, scope_warnings


def test_uda_models_take_none_pretrained_and_train_cfg(method_config_relpath,
                                                       model_config):
    """What mmseg's init_model adds (pretrained=None, train_cfg=None) is
    accepted by every method; anything else is refused with the place to
    put it."""
    from udaplug.registry import MODELS
    cfg = model_config(method_config_relpath)
    MODELS.build(dict(cfg.model, pretrained=None, train_cfg=None))
    with pytest.raises(ValueError, match=r"pretrained='r101\.pth'.*init_cfg"):
        MODELS.build(dict(cfg.model, pretrained='r101.pth'))
    with pytest.raises(ValueError, match=r'model\.segmentor\.train_cfg'):
        MODELS.build(dict(cfg.model, train_cfg=dict(mode='whole')))

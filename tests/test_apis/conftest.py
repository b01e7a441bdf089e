"""Fixtures of the mmseg-API tests: every config file on disk, a small image
in the datasets' released format, and ways to make a config cheap to run on
a CPU without changing its model."""
import glob
import os.path as osp
from typing import Dict, List, Optional, Tuple

import pytest
from mmengine.config import Config

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_ROOT = osp.join(REPO_ROOT, 'configs')
# The test pipelines' Resize here: small, so that the full-size networks
# (DeepLab-v2 ResNet-101, DeepLab VGG-16) predict in a fraction of a second.
SMALL_TEST_SCALE = (64, 32)


def config_files() -> List[str]:
    """Every config under configs/ (paths relative to it), without the
    ``_base_`` pieces: the list grows with the configs added later."""
    paths = glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(p, CONFIG_ROOT) for p in paths
        if '_base_' not in osp.relpath(p, CONFIG_ROOT).split(osp.sep))


def _flat_stages(stages) -> list:
    """Stages in the order they run, blocks (``stages`` inside a stage,
    e.g. a repeated block) expanded."""
    flat = []
    for stage in stages or []:
        flat.append(stage)
        if isinstance(stage, dict) and isinstance(stage.get('stages'), list):
            flat.extend(_flat_stages(stage['stages']))
    return flat


def _stage_config(stage, pipeline_path: str) -> Optional[str]:
    """The config file a pipeline stage trains, if it names one that exists
    (a path relative to the pipeline config; references are not
    followed)."""
    if not isinstance(stage, dict):
        return None
    ref = stage.get('config')
    if not isinstance(ref, str) or ref.startswith('@'):
        return None
    for base in (osp.dirname(pipeline_path), REPO_ROOT, CONFIG_ROOT):
        path = osp.normpath(osp.join(base, ref))
        if osp.isfile(path):
            return path
    return None


def resolve_model_config(relpath: str) -> Tuple[Optional[Config], str]:
    """The config whose model a config file describes: the file itself, or
    for a pipeline config (a top-level ``stages`` list) the config of its
    last stage that trains one. Returns ``(cfg, '')`` or ``(None, reason to
    skip)``."""
    path = osp.join(CONFIG_ROOT, relpath)
    cfg = Config.fromfile(path)
    if 'stages' not in cfg:
        return cfg, ''
    for stage in reversed(_flat_stages(cfg.stages)):
        final = _stage_config(stage, path)
        if final is not None:
            return Config.fromfile(final), ''
    return None, (f'{relpath} is a pipeline config (top-level `stages`) '
                  'and none of its stages names a config file; its stage '
                  'configs are tested on their own')


def model_type(cfg: Config) -> str:
    return str(cfg.model.get('type'))


def one_config_per_method() -> List[str]:
    """For each model type, one config using it: the first under
    configs/demo/ (small networks) if there is one, else the first in
    alphabetical order."""
    chosen: Dict[str, str] = {}
    for relpath in sorted(
            config_files(), key=lambda p: (not p.startswith('demo'), p)):
        cfg, _ = resolve_model_config(relpath)
        if cfg is not None:
            chosen.setdefault(model_type(cfg), relpath)
    return [chosen[k] for k in sorted(chosen)]


def pytest_generate_tests(metafunc):
    if 'config_relpath' in metafunc.fixturenames:
        files = config_files()
        metafunc.parametrize('config_relpath', files, ids=files)
    if 'method_config_relpath' in metafunc.fixturenames:
        files = one_config_per_method()
        metafunc.parametrize('method_config_relpath', files, ids=files)


@pytest.fixture
def model_config():
    """``model_config(relpath)``: the config (see
    :func:`resolve_model_config`) with the test pipelines' Resize shrunk to
    ``SMALL_TEST_SCALE``, or a skip."""

    def load(relpath: str) -> Config:
        cfg, reason = resolve_model_config(relpath)
        if cfg is None:
            pytest.skip(reason)
        shrink_test_resize(cfg, SMALL_TEST_SCALE)
        return cfg

    return load


def _test_pipelines(cfg: Config) -> List[list]:
    """The test pipelines of a config: the top-level ``test_pipeline`` (what
    mmseg's ``inference_model`` uses) and the test dataloader's (what
    ``MMSegInferencer`` and ``tools/test.py`` use)."""
    pipelines = []
    if 'test_pipeline' in cfg:
        pipelines.append(cfg.test_pipeline)
    loader = cfg.get('test_dataloader')
    if loader and 'pipeline' in loader.get('dataset', {}):
        pipelines.append(loader.dataset.pipeline)
    return pipelines


def shrink_test_resize(cfg: Config, scale) -> None:
    for pipeline in _test_pipelines(cfg):
        for transform in pipeline:
            if transform.get('type') == 'Resize' and 'scale' in transform:
                transform['scale'] = tuple(scale)


@pytest.fixture
def config_test_pipelines():
    """``config_test_pipelines(cfg)``: see :func:`_test_pipelines`."""
    return _test_pipelines


def _dataset_meta(cfg: Config) -> dict:
    """``classes`` and ``palette`` of the config's test dataset (built
    lazily: no data needed), as a runner stores them in a checkpoint."""
    from udaplug.registry import DATASETS
    dataset = DATASETS.build(
        dict(
            cfg.test_dataloader.dataset,
            lazy_init=True,
            _scope_=cfg.get('default_scope', 'udaplug')))
    meta = dataset.metainfo
    return dict(classes=list(meta['classes']), palette=meta.get('palette'))


@pytest.fixture
def dataset_meta():
    """``dataset_meta(cfg)``: see :func:`_dataset_meta`."""
    return _dataset_meta


@pytest.fixture(autouse=True)
def _keep_default_scope():
    """MMSegInferencer makes 'mmseg' the process's default scope (mmengine's
    init_default_scope); restore the scope the other tests run in."""
    from mmengine.registry import DefaultScope
    saved = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict = saved


@pytest.fixture(scope='session')
def released_image(demo_data) -> str:
    """A target image as Cityscapes releases them (8-bit RGB PNG,
    ``leftImg8bit``), from the demo pair (128x64)."""
    found = sorted(
        glob.glob(
            osp.join(demo_data, 'cityscapes', 'leftImg8bit', 'val', '*',
                     '*_leftImg8bit.png')))
    assert found, f'no Cityscapes-style val image under {demo_data}'
    return found[0]


@pytest.fixture
def registry_warnings(monkeypatch):
    """The messages mmengine's registries log while the test runs (e.g.
    'Failed to search registry with scope ...')."""
    import mmengine.logging
    messages = []
    original = mmengine.logging.print_log

    def record(msg, *args, **kwargs):
        messages.append(str(msg))
        return original(msg, *args, **kwargs)

    # the registries import print_log from mmengine.logging at each call
    monkeypatch.setattr(mmengine.logging, 'print_log', record)
    return messages

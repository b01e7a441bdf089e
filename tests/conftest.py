"""Shared pytest fixtures and helpers for udaplug's tests."""
import os
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
os.environ.setdefault('CUDA_VISIBLE_DEVICES', '')  # CPU only, even with GPUs


@pytest.fixture(scope='session', autouse=True)
def _register_modules():
    from udaplug.utils import register_all_modules
    register_all_modules(init_default_scope=True)


@pytest.fixture
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """A tiny copy of the embedded demo pair (real on-disk formats)."""
    from udaplug.datasets.demo import make_demo_data
    root = str(tmp_path_factory.mktemp('demo_data'))
    make_demo_data(
        root,
        num_source=8,
        num_target_train=4,
        num_target_val=2,
        size=(128, 64),
        quiet=True)
    return root

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

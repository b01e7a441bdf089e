"""The GPU tests run only with ``UDAPLUG_TEST_CUDA=1`` on a machine with a
CUDA GPU (``tests/conftest.py`` hides GPUs from every other run):

    UDAPLUG_TEST_CUDA=1 python -m pytest tests/test_cuda

Elsewhere (CI, CPU machines) they are skipped with that reason."""
import pytest
import torch


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason='needs a CUDA GPU and UDAPLUG_TEST_CUDA=1 '
                            '(tests/test_cuda/conftest.py)')
    for item in items:
        if 'test_cuda' in str(item.fspath):
            item.add_marker(skip)

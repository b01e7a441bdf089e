"""OpenMMLab-style lint of the whole repository (flake8, isort, yapf with
the settings of setup.cfg), as `pre-commit run --all-files` does."""
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PATHS = ['udaplug', 'tools', 'tests', 'configs', 'setup.py']


def run(*args):
    return subprocess.run([sys.executable, '-m', *args, *PATHS],
                          cwd=REPO,
                          capture_output=True,
                          text=True)


@pytest.mark.parametrize(
    'tool', [
        ('flake8', ),
        ('isort', '--check-only', '--diff'),
        ('yapf', '--recursive', '--diff'),
    ],
    ids=['flake8', 'isort', 'yapf'])
def test_lint(tool):
    result = run(*tool)
    report = (result.stdout + result.stderr)[-5000:]
    assert result.returncode == 0 and not result.stdout.strip(), (
        f'{tool[0]} found problems (fix them, e.g. `isort {" ".join(PATHS)}`'
        f' / `yapf -r -i ...`):\n{report}')

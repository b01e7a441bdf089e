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


def test_no_test_module_imports_another():
    """Shared test helpers are fixtures in conftest.py files; a test module
    importing another file under tests/ breaks under pytest's import
    modes and hides where a helper lives."""
    import ast
    import glob
    files = glob.glob(osp.join(REPO, 'tests', '**', '*.py'), recursive=True)
    local = {osp.splitext(osp.basename(f))[0] for f in files}
    local |= {
        osp.basename(osp.normpath(d))
        for d in glob.glob(osp.join(REPO, 'tests', '**', ''), recursive=True)
    }
    found = []
    for path in files:
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ''] if node.level == 0 else ['.']
            else:
                continue
            for name in names:
                if name == '.' or name.split('.')[0] in local:
                    found.append(f'{osp.relpath(path, REPO)}:{node.lineno} '
                                 f'imports {name}')
    assert not found, 'use fixtures from conftest.py instead:\n' + \
        '\n'.join(found)

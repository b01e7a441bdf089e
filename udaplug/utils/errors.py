"""Error messages that tell the user what to change."""
import difflib
import os
import os.path as osp
import re
from contextlib import contextmanager
from typing import Iterator, List, Optional

from mmengine.registry import Registry

_UNKNOWN_TYPE = re.compile(
    r"(?P<type>[^\s'\"`]+) is not in the (?:(?P<scope>[\w.-]+)::)?"
    r'(?P<name>[\w .-]+?) registry')


class UnknownTypeError(KeyError):
    """A config names a ``type`` that no searched registry holds."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class ConfigNotFoundError(FileNotFoundError):
    """The config path given on the command line does not exist."""


class DataRootNotFoundError(FileNotFoundError):
    """A dataset's data root (or a folder inside it) does not exist."""


def _root_registries() -> List[Registry]:
    import mmengine.registry as mmengine_registry
    return [
        value for value in vars(mmengine_registry).values()
        if isinstance(value, Registry) and value.parent is None
    ]


def registry_chain(scope: str, name: str) -> List[Registry]:
    """The registries searched for an unprefixed type: ``scope``'s registry
    called ``name`` and its parents up to mmengine's root."""
    for root in _root_registries():
        if root.name != name:
            continue
        node = root._search_child(scope) if scope else root
        if node is None:
            continue
        chain = []
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain
    return []


def describe_unknown_type(obj_type: str, scope: Optional[str],
                          name: str) -> str:
    chain = registry_chain(scope or 'mmengine', name)
    searched = ' -> '.join(f'{r.scope}::{r.name}' for r in chain) or \
        f'{scope}::{name}'
    known = sorted({key for r in chain for key in r.module_dict})
    close = difflib.get_close_matches(obj_type.split('.')[-1], known, n=3)
    root = chain[-1] if chain else None
    other_scopes = sorted(root._children) if root is not None else []
    lines = [
        f'Unknown type "{obj_type}" in the config: no {name} of that name '
        f'is registered.',
        f'Registries searched: {searched}.',
    ]
    if close:
        lines.append('Did you mean: ' + ', '.join(close) + '?')
    lines.append(
        'A module from another OpenMMLab package needs that package\'s scope '
        'as prefix, e.g. type="mmagic.ResnetGenerator"' +
        (f' (scopes known now: {", ".join(other_scopes)})'
         if other_scopes else '') + '.')
    lines.append(
        'A module defined in your own file must be imported first: add '
        "custom_imports = dict(imports=['your_module'], "
        'allow_failed_imports=False) to the config.')
    return '\n'.join(lines)


@contextmanager
def explain_unknown_types() -> Iterator[None]:
    """Turn mmengine's "X is not in the Y registry" KeyError into an
    :class:`UnknownTypeError` naming the type, the registries searched and
    the ways to fix it."""
    try:
        yield
    except KeyError as err:
        message = str(err.args[0]) if err.args else ''
        match = _UNKNOWN_TYPE.search(message)
        if match is None or isinstance(err, UnknownTypeError):
            raise
        raise UnknownTypeError(
            describe_unknown_type(match['type'], match['scope'],
                                  match['name'].strip())) from err


def check_config_path(path: str) -> str:
    """Return ``path`` if it is a file; otherwise raise
    :class:`ConfigNotFoundError` suggesting configs with a similar name."""
    if osp.isfile(path):
        return path
    message = f'Config file not found: {path}'
    config_dir = osp.join(
        osp.dirname(osp.dirname(osp.abspath(__file__))), '..', 'configs')
    candidates = []
    for folder, _, files in os.walk(config_dir):
        candidates += [
            osp.relpath(osp.join(folder, f), osp.dirname(config_dir))
            for f in files if f.endswith('.py') and '_base_' not in folder
        ]
    close = difflib.get_close_matches(
        osp.normpath(path), candidates, n=3, cutoff=0.5)
    if close:
        message += '\nDid you mean: ' + ', '.join(sorted(close)) + '?'
    raise ConfigNotFoundError(message)


def check_data_root(path: str,
                    dataset: str,
                    converter: Optional[str] = None,
                    what: str = 'data root') -> str:
    """Raise :class:`DataRootNotFoundError` unless ``path`` is a directory.

    Args:
        path (str): The folder that must exist.
        dataset (str): The dataset's name, for the message.
        converter (str, optional): The command that prepares the dataset.
        what (str): What the folder is (``'data root'``, ``'image folder'``).
    """
    if osp.isdir(path):
        return path
    message = (f'{dataset}: {what} not found: {path} '
               f'(absolute: {osp.abspath(path)}).')
    if converter:
        message += (' Download the dataset, unpack it there (or set '
                    f'data_root in the config), then run: {converter}')
    raise DataRootNotFoundError(message)

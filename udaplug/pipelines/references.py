"""References from one pipeline stage to the outputs of another.

A string value anywhere in a stage's settings (also deep inside its
``cfg_options``) of the form::

    '@stage.output'                         the latest output of a stage
    '@stage.output | @other.output | ...'   the first of these that exists

is replaced, right before the stage runs, by that output of the latest run
of the named stage (inside a repeat block: of the latest round that ran it).
With alternatives, the first stage that has run is used: in the first round
of a repeat block, ``'@self_train.checkpoint | @source_only.checkpoint'``
gives the source-only checkpoint, in later rounds the previous round's.
A string that really starts with ``@`` is written with ``@@``.
"""
import copy
import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator, List, Tuple

_ALTERNATIVE = re.compile(
    r'^@(?P<stage>[A-Za-z0-9_][\w-]*)\.(?P<output>[A-Za-z_]\w*)$')
#: What a stage name may look like.
STAGE_NAME = re.compile(r'^[A-Za-z0-9_][\w-]*$')


class StageReferenceError(ValueError):
    """A reference is malformed, names an unknown stage or output, or names
    stages none of which has run."""


class ResolvedDict(dict):
    """A dict that a reference stood for (e.g. a dataset config): train
    stages put it in place of what the config had there, instead of merging
    it into it."""


@dataclass(frozen=True)
class Reference:
    """A parsed reference: its text and ``(stage, output)`` alternatives."""
    text: str
    alternatives: Tuple[Tuple[str, str], ...]

    @property
    def stages(self) -> Tuple[str, ...]:
        return tuple(stage for stage, _ in self.alternatives)


def parse_reference(value: Any) -> 'Reference | None':
    """The :class:`Reference` ``value`` is, or None when it is not one
    (not a string starting with a single ``@``)."""
    if not isinstance(value, str) or not value.startswith('@') or \
            value.startswith('@@'):
        return None
    alternatives = []
    for part in value.split('|'):
        match = _ALTERNATIVE.match(part.strip())
        if match is None:
            raise StageReferenceError(
                f'malformed reference "{value}": write "@stage.output", or '
                'alternatives "@stage.output | @other.output" (the first '
                'stage that has run is used); a plain string starting with '
                '@ is written @@...')
        alternatives.append((match['stage'], match['output']))
    return Reference(value, tuple(alternatives))


def iter_references(obj: Any, path: str = '') -> Iterator[Tuple[str, Any]]:
    """``(path, Reference)`` for every reference inside ``obj`` (dicts,
    lists, tuples), ``path`` in dotted form (``cfg_options.load_from``)."""
    ref = parse_reference(obj)
    if ref is not None:
        yield path, ref
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from iter_references(value,
                                       f'{path}.{key}' if path else str(key))
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            yield from iter_references(value, f'{path}[{i}]')


def resolve_references(obj: Any,
                       lookup: Callable[[str, str], Tuple[bool, Any]],
                       where: str = '') -> Tuple[Any, List[str]]:
    """A copy of ``obj`` with every reference replaced by its value.

    Args:
        obj: Stage settings (nested dicts, lists, tuples, scalars).
        lookup: ``lookup(stage, output) -> (found, value)``; ``found`` is
            False when the stage has not run; it raises for an unknown
            output.
        where (str): The referring stage, for messages.

    Returns:
        tuple: The resolved copy, and the stages actually used (for each
        reference, the alternative taken), in order.
    """
    used: List[str] = []

    def walk(node, path):
        ref = parse_reference(node)
        if ref is not None:
            for stage, output in ref.alternatives:
                found, value = lookup(stage, output)
                if found:
                    used.append(stage)
                    value = copy.deepcopy(value)
                    return ResolvedDict(value) if isinstance(value,
                                                             dict) else value
            names = ', '.join(f'"{s}"' for s in ref.stages)
            raise StageReferenceError(
                f'stage "{where}": {path} = "{ref.text}": {names} has not '
                'run yet. A stage can use the outputs of stages before it; '
                'inside a repeat block, a stage that runs later in the '
                'block needs a fallback for the first round: "@later.output '
                '| @earlier.output".')
        if isinstance(node, str) and node.startswith('@@'):
            return node[1:]
        if isinstance(node, dict):
            return {
                key: walk(value, f'{path}.{key}' if path else str(key))
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [
                walk(value, f'{path}[{i}]') for i, value in enumerate(node)
            ]
        if isinstance(node, tuple):
            return tuple(
                walk(value, f'{path}[{i}]') for i, value in enumerate(node))
        return node

    return walk(obj, ''), used


def close_names(name: str, names) -> str:
    """``' Did you mean: a, b?'`` for names like ``name``, or ``''``."""
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.5)
    return f' Did you mean: {", ".join(close)}?' if close else ''

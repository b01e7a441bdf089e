"""Save and load mmengine checkpoints under torch's ``weights_only``
unpickler, without changing mmengine or torch for anyone else.

torch >= 2.6 loads files with ``weights_only=True`` by default; mmengine
0.10.x checkpoints hold a few trusted non-tensor objects (the message hub's
``HistoryBuffer`` and numpy values), so resuming fails with "Unsupported
global". Two things are needed, both only while udaplug saves or loads a
checkpoint:

* loading: the classes mmengine writes are allow-listed (torch's
  ``safe_globals`` context); everything else in a file is still refused;
* saving: a ``HistoryBuffer`` is pickled without the ``statistics_methods``
  that mmengine's ``__getstate__`` adds (a dict of functions, which
  ``weights_only`` loading refuses as a ``getattr`` reference); loading
  works the same, as ``HistoryBuffer.__setstate__`` registers the default
  methods again (custom ones are registered on the class by the code that
  defines them).

:func:`mmengine_checkpoint_io` is the context manager that does both and
undoes them on exit. udaplug applies it to the runners it builds
(:func:`udaplug.apis.build_runner`: ``train``, ``val``, ``test``,
``save_checkpoint``, ``load_checkpoint``, ``resume``) and to the tools that
load checkpoints themselves; importing udaplug changes nothing.

Checkpoints written by udaplug's runners are *portable* besides:
:class:`~udaplug.engine.hooks.PortableCheckpointHook` stores the message
hub's history buffers and numpy values as tensors and plain Python values
(:func:`to_portable`), so ``torch.load`` with its default ``weights_only``
loading, mmseg's ``init_model`` and ``MMSegInferencer`` read them with no
allow-list at all; udaplug converts them back when it resumes. The
allow-list above remains for checkpoints written by mmengine itself.
"""
import os.path as osp
from contextlib import contextmanager
from functools import wraps
from typing import Iterator, Optional

import numpy as np
import torch

#: The runner methods that save or load checkpoints (directly or through
#: hooks and ``load_or_resume``).
RUNNER_CHECKPOINT_METHODS = ('train', 'val', 'test', 'save_checkpoint',
                             'load_checkpoint', 'resume')


def _trusted_globals() -> list:
    from mmengine.logging import HistoryBuffer
    trusted = [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        np.core.multiarray._reconstruct,
        np.core.multiarray.scalar,
    ]
    # numpy >= 1.25 pickles dtypes as instances of np.dtypes.<Name>DType.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        trusted += [
            getattr(dtypes, name) for name in dir(dtypes) if
            name.endswith('DType') and isinstance(getattr(dtypes, name), type)
        ]
    return trusted


def _history_buffer_state(self) -> dict:
    """``HistoryBuffer`` state without its statistics functions."""
    return {
        k: v
        for k, v in self.__dict__.items() if k != 'statistics_methods'
    }


@contextmanager
def mmengine_checkpoint_io() -> Iterator[None]:
    """Within the context, mmengine checkpoints save and load under torch's
    ``weights_only`` unpickler (see the module docstring); on exit
    ``HistoryBuffer`` and torch's allow-list are as they were. Re-entrant.

    Example:
        >>> with mmengine_checkpoint_io():
        ...     runner.resume(path)
    """
    from mmengine.logging import HistoryBuffer
    serialization = torch.serialization
    # torch's own safe_globals context removes its globals on exit, also
    # ones that were allowed before; the allow-list is restored instead
    with_allow_list = hasattr(serialization, 'get_safe_globals')
    allowed = serialization.get_safe_globals() if with_allow_list else None
    missing = object()
    previous = HistoryBuffer.__dict__.get('__getstate__', missing)
    HistoryBuffer.__getstate__ = _history_buffer_state
    try:
        if with_allow_list:
            serialization.add_safe_globals(_trusted_globals())
        yield
    finally:
        if previous is missing:
            del HistoryBuffer.__getstate__
        else:
            HistoryBuffer.__getstate__ = previous
        if with_allow_list:
            serialization.clear_safe_globals()
            serialization.add_safe_globals(allowed)


_HISTORY = '__history_buffer__'
_NDARRAY = '__ndarray__'


def to_portable(obj):
    """``obj`` with every mmengine ``HistoryBuffer``, numpy array and numpy
    scalar replaced by tensors, dicts and Python scalars, so that torch's
    ``weights_only`` unpickler loads it without any allow-list (exact:
    dtypes and values are kept; :func:`from_portable` undoes it)."""
    from mmengine.logging import HistoryBuffer
    if isinstance(obj, HistoryBuffer):
        state = obj.__dict__
        return {
            _HISTORY: True,
            'max_length': int(state['max_length']),
            'log': torch.from_numpy(np.array(state['_log_history'])),
            'count': torch.from_numpy(np.array(state['_count_history'])),
        }
    if isinstance(obj, np.ndarray):
        return {_NDARRAY: torch.from_numpy(np.array(obj))}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {k: to_portable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_portable(v) for v in obj)
    return obj


def from_portable(obj):
    """Undo :func:`to_portable` (anything else is returned as it is)."""
    from mmengine.logging import HistoryBuffer
    if isinstance(obj, dict):
        if obj.get(_HISTORY) is True:
            buffer = HistoryBuffer(max_length=obj['max_length'])
            buffer._log_history = obj['log'].numpy()
            buffer._count_history = obj['count'].numpy()
            return buffer
        if set(obj) == {_NDARRAY}:
            return obj[_NDARRAY].numpy()
        return {k: from_portable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(from_portable(v) for v in obj)
    return obj


def with_mmengine_checkpoint_io(runner):
    """Run ``runner``'s checkpoint-touching methods
    (:data:`RUNNER_CHECKPOINT_METHODS`) inside
    :func:`mmengine_checkpoint_io`; returns the runner. Only this runner
    object changes."""
    for name in RUNNER_CHECKPOINT_METHODS:
        method = getattr(runner, name, None)
        if method is None or getattr(method, '_mmengine_checkpoint_io', False):
            continue

        def wrapped(*args, _method=method, **kwargs):
            with mmengine_checkpoint_io():
                return _method(*args, **kwargs)

        wrapped = wraps(method)(wrapped)
        wrapped._mmengine_checkpoint_io = True
        setattr(runner, name, wrapped)
    return runner


def last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint mmengine's CheckpointHook saved last in ``work_dir``
    (from its ``last_checkpoint`` file), or None. The file holds an
    absolute path: after the work dir was moved, the checkpoint of that
    name in ``work_dir`` is the one."""
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        ckpt = f.read().strip()
    if not ckpt:
        return None
    if osp.isfile(ckpt):
        return ckpt
    moved = osp.join(work_dir, osp.basename(ckpt))
    return moved if osp.isfile(moved) else None

"""Load mmengine checkpoints under torch's ``weights_only`` unpickler.

torch >= 2.6 loads files with ``weights_only=True`` by default; mmengine
0.10.x checkpoints hold a few trusted non-tensor objects (the message hub's
``HistoryBuffer`` and numpy values), so resuming fails with "Unsupported
global". :func:`allow_mmengine_checkpoint_globals` allow-lists exactly those
classes; everything else in a file is still refused.
"""
import numpy as np
import torch


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
    """``HistoryBuffer`` state without its (class-level) statistics
    functions."""
    return {
        k: v
        for k, v in self.__dict__.items() if k != 'statistics_methods'
    }


def allow_mmengine_checkpoint_globals() -> None:
    """Allow-list the classes mmengine writes into checkpoints (idempotent).

    Also makes history buffers pickle without functions (see the module
    docstring). Does nothing else on torch versions without
    ``add_safe_globals``.
    """
    from mmengine.logging import HistoryBuffer
    HistoryBuffer.__getstate__ = _history_buffer_state
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is not None:
        add_safe_globals(_trusted_globals())

"""Non-tensor module state as one tensor of bytes."""
import io
from typing import Any

import torch
from torch import Tensor


def pack_state(state: Any) -> Tensor:
    """``state`` (tensors, numbers, strings, lists, dicts) serialised into a
    1-D uint8 tensor: a module's ``get_extra_state`` value that the runner
    can treat like any weight (mmengine broadcasts every state-dict value
    as a tensor in distributed training; checkpoints load with
    ``weights_only=True``)."""
    buf = io.BytesIO()
    torch.save(state, buf)
    return torch.frombuffer(bytearray(buf.getvalue()), dtype=torch.uint8)


def unpack_state(packed: Tensor) -> Any:
    """The state :func:`pack_state` packed (loaded with
    ``weights_only=True``)."""
    if not torch.is_tensor(packed) or packed.dtype != torch.uint8 or \
            packed.dim() != 1:
        raise TypeError('expected a 1-D uint8 tensor from pack_state, got '
                        f'{type(packed).__name__}')
    data = packed.detach().cpu().numpy().tobytes()
    return torch.load(io.BytesIO(data), map_location='cpu', weights_only=True)

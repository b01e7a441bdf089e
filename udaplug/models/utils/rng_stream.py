"""A model's own random stream, saved with its weights."""
from contextlib import contextmanager
from typing import Iterator, Optional

import numpy as np
import torch
from torch import Tensor, nn

from .packed_state import pack_state, unpack_state


def _numpy_state_to_dict(state: tuple) -> dict:
    name, keys, pos, has_gauss, cached = state
    return dict(
        name=name,
        keys=torch.from_numpy(keys.astype(np.int64)),
        pos=int(pos),
        has_gauss=int(has_gauss),
        cached_gaussian=float(cached))


def _numpy_state_from_dict(state: dict) -> tuple:
    return (state['name'], state['keys'].numpy().astype(np.uint32),
            state['pos'], state['has_gauss'], state['cached_gaussian'])


class RNGStream(nn.Module):
    """A private random stream for what a model draws while training
    (dropout, random choices of an image history buffer): torch's CPU
    generator, the current CUDA device's generator and numpy's global
    generator are swapped for the stream's own inside :meth:`fork`, and the
    stream's states are part of the model's state dict (``<name>._extra_
    state``, packed into one uint8 tensor, see :func:`pack_state`).

    Resuming a run then continues the model's random draws exactly: the
    runner re-seeds the global generators on resume and replays the data
    loader's draws, but cannot replay the draws the model made.

    The stream is seeded, on first use, from a number drawn from torch's
    global generator at construction (so a seeded runner gives a seeded
    stream), or from ``seed``.

    Args:
        seed (int, optional): Seed of the stream.
    """

    def __init__(self, seed: Optional[int] = None) -> None:
        super().__init__()
        if seed is None:
            seed = int(torch.randint(0, 2**31 - 1, ()))
        self.seed = seed
        self._cpu: Optional[torch.Tensor] = None
        self._cuda: Optional[torch.Tensor] = None
        self._numpy: Optional[dict] = None

    @contextmanager
    def fork(self, device: Optional[torch.device] = None) -> Iterator[None]:
        """Draw from the stream inside the block; the global generators are
        left as they were. ``device``: a CUDA device whose generator is
        forked too (default: none)."""
        cuda = device is not None and torch.device(device).type == 'cuda'
        devices = [torch.device(device)] if cuda else []
        numpy_state = np.random.get_state()
        with torch.random.fork_rng(devices=devices):
            if self._cpu is None:
                torch.manual_seed(self.seed)
                np.random.seed(self.seed)
            else:
                torch.set_rng_state(self._cpu)
                np.random.set_state(_numpy_state_from_dict(self._numpy))
            if cuda:
                if self._cuda is None:
                    torch.cuda.manual_seed(self.seed)
                else:
                    torch.cuda.set_rng_state(self._cuda, devices[0])
            try:
                yield
            finally:
                self._cpu = torch.get_rng_state()
                self._numpy = _numpy_state_to_dict(np.random.get_state())
                if cuda:
                    self._cuda = torch.cuda.get_rng_state(devices[0])
                np.random.set_state(numpy_state)

    def state(self) -> dict:
        """The stream's seed and generator states (None before first
        use)."""
        return dict(
            seed=self.seed, cpu=self._cpu, cuda=self._cuda, numpy=self._numpy)

    def get_extra_state(self) -> Tensor:
        return pack_state(self.state())

    def set_extra_state(self, packed: Tensor) -> None:
        state = unpack_state(packed)
        self.seed = state['seed']
        self._cpu = state['cpu']
        self._cuda = state['cuda']
        self._numpy = state['numpy']

    def extra_repr(self) -> str:
        return f'seed={self.seed}'

"""Random generators seeded per training step, for reproducible and
resumable randomness inside a model's ``train_step``."""
from typing import Optional, Union

import numpy as np
import torch
from mmengine.dist import get_rank


def draw_seed() -> int:
    """The seed of the global random state, ``torch.initial_seed()`` (set by
    mmengine's runner from ``randomness.seed``, identically on every
    process). Reading it draws no random number, so a model that calls this
    while it is built is initialised exactly like one that does not."""
    return int(torch.initial_seed())


def step_generator(seed: int,
                   iteration: int,
                   stream: int = 0,
                   device: Union[str, torch.device] = 'cpu',
                   rank: Optional[int] = None) -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded from ``(seed, iteration,
    stream, rank)``.

    The same model seed, iteration and process always give the same random
    numbers, so an interrupted and resumed run draws exactly what an
    uninterrupted one draws, without touching (or checkpointing) the global
    random state; each process of a distributed run draws its own numbers
    (``rank``, default: the current process's); ``stream`` separates
    independent uses within one step.
    """
    rank = get_rank() if rank is None else rank
    state = np.random.SeedSequence(
        [int(seed), int(iteration),
         int(stream), int(rank)]).generate_state(2)
    gen = torch.Generator(device=device)
    gen.manual_seed(int(state[0]) << 32 | int(state[1]))
    return gen

"""Loss-weight schedules over training iterations."""


def linear_ramp(iteration: int,
                start: int,
                end: int,
                final: float,
                initial: float = 0.0) -> float:
    """A loss weight that is ``initial`` before iteration ``start``, grows
    linearly to ``final`` at iteration ``end`` and stays there.

    ``start == end`` gives a step: ``initial`` for ``iteration < start``,
    ``final`` from ``start`` on. Brehm et al. (Sec. 4.2) use both: lambda_con
    is 0 during the first 10,000 steps (a step at 10,000), lambda_pseudo and
    lambda_cgan fade linearly from 0 at iteration 20,000 to 0.3 at iteration
    100,000 with online pseudo-labels.

    Args:
        iteration (int): The current iteration (0-based: the number of
            updates done before this one).
        start (int): First iteration of the ramp.
        end (int): Iteration from which the weight is ``final``.
        final (float): Weight after the ramp.
        initial (float): Weight before the ramp. Defaults to 0.
    """
    if end < start:
        raise ValueError(f'linear_ramp: end ({end}) is before start '
                         f'({start})')
    if iteration < start:
        return float(initial)
    if iteration >= end:
        return float(final)
    progress = (iteration - start) / (end - start)
    return float(initial + (final - initial) * progress)

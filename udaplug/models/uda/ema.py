from typing import Optional

import torch
from mmengine.model import ExponentialMovingAverage
from torch import nn

from udaplug.registry import MODELS

BUFFER_MODES = ('copy', 'ema', 'keep')


@MODELS.register_module()
class EMANetwork(ExponentialMovingAverage):
    """The exponential moving average of a network: a UDA model's network
    with role ``'ema'`` (e.g. a mean teacher, the EMA copy of a generator).

    mmengine's :class:`~mmengine.model.ExponentialMovingAverage` (a copy of
    the student with ``requires_grad=False`` in ``self.module`` and an update
    counter ``steps`` in its state dict, so resuming continues exactly),
    with

    - the decay as the weight of the *old* average (mean-teacher notation,
      Tarvainen & Valpola 2017): ``theta_T <- alpha theta_T + (1 - alpha)
      theta_S``; mmengine's ``momentum`` is ``1 - alpha``;
    - DAFormer's warm-up (Hoyer et al., CVPR 2022, official ``dacs.py``):
      ``alpha_t = min(1 - 1 / (t + 1), alpha)`` at the t-th update;
    - a choice of what happens to buffers (BatchNorm statistics):
      ``'copy'`` follows the student's (mmengine's behaviour),
      ``'ema'`` averages them like parameters, ``'keep'`` keeps the values of
      the first copy (mmdet's ``MeanTeacherHook`` skips buffers).

    The first update (``steps == 0``) copies the student (parameters and
    buffers). :class:`~udaplug.engine.hooks.MeanTeacherHook` sets ``decay``,
    ``warmup`` and ``buffers`` from its config and calls
    :meth:`update_parameters`; ``interval`` is applied by the hook.

    Args:
        model (nn.Module): The student; deep-copied.
        decay (float): alpha. Defaults to 0.999.
        warmup (bool): DAFormer's warm-up. Defaults to False.
        buffers (str): ``'copy'``, ``'ema'`` or ``'keep'``. Defaults to
            ``'copy'``.
    """

    def __init__(self,
                 model: nn.Module,
                 decay: float = 0.999,
                 warmup: bool = False,
                 buffers: str = 'copy',
                 device: Optional[torch.device] = None) -> None:
        super().__init__(
            model,
            momentum=0.5,
            interval=1,
            device=device,
            update_buffers=False)
        self.configure(decay, warmup, buffers)

    def configure(self, decay: float, warmup: bool, buffers: str) -> None:
        """Set the update rule (see the class docstring)."""
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f'EMA decay must be in [0, 1], got {decay}')
        if buffers not in BUFFER_MODES:
            raise ValueError(f'EMA buffers must be one of {BUFFER_MODES}, '
                             f'got {buffers!r}')
        self.decay = float(decay)
        self.warmup = bool(warmup)
        self.buffers_mode = buffers
        self.momentum = 1.0 - self.decay  # mmengine's name for 1 - alpha

    def alpha(self, steps: int) -> float:
        """The weight of the old average at the update after ``steps``
        updates (``steps >= 1``)."""
        if self.warmup:
            return min(1.0 - 1.0 / (steps + 1), self.decay)
        return self.decay

    def avg_func(self, averaged_param: torch.Tensor,
                 source_param: torch.Tensor, steps: int) -> None:
        averaged_param.lerp_(source_param, 1.0 - self.alpha(int(steps)))

    @torch.no_grad()
    def update_parameters(self, model: nn.Module) -> None:
        """Copy ``model`` at the first call, else average it in."""
        params = dict(self.module.named_parameters())
        src_params = dict(model.named_parameters())
        buffers = dict(self.module.named_buffers())
        src_buffers = dict(model.named_buffers())
        if params.keys() != src_params.keys() or \
                buffers.keys() != src_buffers.keys():
            missing = (params.keys() | buffers.keys()) - (
                src_params.keys() | src_buffers.keys())
            raise ValueError('EMANetwork: the student does not have the '
                             'architecture of its average (missing: '
                             f'{sorted(missing)[:5]})')
        steps = int(self.steps)
        if steps == 0:
            for name, value in {**params, **buffers}.items():
                src = src_params.get(name, src_buffers.get(name))
                value.copy_(src.to(value.device))
        else:
            for name, value in params.items():
                self.avg_func(value, src_params[name].to(value.device), steps)
            for name, value in buffers.items():
                src = src_buffers[name].to(value.device)
                if self.buffers_mode == 'copy' or (
                        self.buffers_mode == 'ema'
                        and not value.dtype.is_floating_point):
                    value.copy_(src)
                elif self.buffers_mode == 'ema':
                    self.avg_func(value, src, steps)
        self.steps += 1

from typing import Dict, Optional, Sequence, Union

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from udaplug.registry import HOOKS


@HOOKS.register_module()
class MeanTeacherHook(Hook):
    """Update the exponential-moving-average (EMA) networks of a UDA model
    from their students: mean teachers (Tarvainen & Valpola, NeurIPS 2017),
    the EMA copy of a generator, ...

    A udaplug model declares an EMA network with ``dict(role='ema',
    ema_of='segmentor')`` (see :mod:`udaplug.models.uda.roles`). This hook

    - before training, copies each student into its EMA network if the EMA
      network was never updated (iteration 0; a resumed run keeps the
      checkpoint's teacher);
    - after every ``interval``-th training iteration, updates
      ``theta_T <- alpha theta_T + (1 - alpha) theta_S`` with
      ``alpha = decay``, or with DAFormer's warm-up (Hoyer et al., CVPR 2022,
      official ``dacs.py``) ``alpha_t = min(1 - 1 / (t + 1), decay)`` where
      ``t`` is the number of updates so far (t = 1 at the first update after
      the copy);
    - handles buffers (BatchNorm statistics) per ``buffers``: ``'copy'``
      (follow the student), ``'ema'`` (average like parameters) or
      ``'keep'`` (never move after the copy);
    - unwraps DDP; under distributed training the EMA networks' floating
      buffers are averaged across processes after each update (students'
      BN statistics are per process), so every process holds the same
      teacher.

    The EMA networks (and their update counters) are part of the model's
    state dict, so resuming continues exactly.

    Args:
        decay (float | dict): alpha, e.g. 0.999 (Brehm et al. Sec. 4.2;
            DAFormer) or 0.99 (DACS); a dict ``{ema network name: decay}``
            sets it per network.
        warmup (bool): DAFormer's warm-up. Defaults to False.
        interval (int): Update every ``interval`` iterations. Defaults to 1.
        buffers (str): ``'copy'``, ``'ema'`` or ``'keep'``. Defaults to
            ``'copy'``.
        networks (Sequence[str], optional): The EMA networks to update;
            all of the model's by default.
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self,
                 decay: Union[float, Dict[str, float]] = 0.999,
                 warmup: bool = False,
                 interval: int = 1,
                 buffers: str = 'copy',
                 networks: Optional[Sequence[str]] = None) -> None:
        if interval < 1:
            raise ValueError(f'MeanTeacherHook: interval must be >= 1, got '
                             f'{interval}')
        self.decay = decay
        self.warmup = bool(warmup)
        self.interval = int(interval)
        self.buffers = buffers
        self.networks = None if networks is None else list(networks)

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _pairs(self, model) -> Dict[str, str]:
        from udaplug.models.uda import BaseUDASegmentor
        pairs = dict(model.ema_pairs()) if isinstance(
            model, BaseUDASegmentor) else {}
        if not pairs:
            raise ValueError(
                f'MeanTeacherHook: {type(model).__name__} has no EMA network;'
                " declare one, e.g. networks=dict(teacher=dict(role='ema', "
                "ema_of='segmentor')), or remove the hook")
        if self.networks is None:
            return pairs
        unknown = sorted(set(self.networks) - set(pairs))
        if unknown:
            raise ValueError(f'MeanTeacherHook: networks {unknown} are not '
                             f'EMA networks of the model ({sorted(pairs)})')
        return {name: pairs[name] for name in self.networks}

    def _decay_of(self, name: str) -> float:
        if isinstance(self.decay, dict):
            if name not in self.decay:
                raise KeyError(f'MeanTeacherHook: decay has no value for EMA '
                               f'network "{name}" (has {sorted(self.decay)})')
            return float(self.decay[name])
        return float(self.decay)

    def before_train(self, runner) -> None:
        model = self._model(runner)
        for name in self._pairs(model):
            ema = model.ema_container(name)
            ema.configure(self._decay_of(name), self.warmup, self.buffers)
        if any(
                int(model.ema_container(name).steps) == 0
                for name in self._pairs(model)):
            self._update(model, only_new=True)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval):
            self._update(self._model(runner))

    @torch.no_grad()
    def _update(self, model, only_new: bool = False) -> None:
        for name, student in self._pairs(model).items():
            ema = model.ema_container(name)
            if only_new and int(ema.steps) != 0:
                continue
            ema.update_parameters(model.network(student, wrapped=False))
            if get_world_size() > 1 and self.buffers != 'keep':
                for buf in ema.module.buffers():
                    if buf.dtype.is_floating_point:
                        all_reduce(buf, op='mean')

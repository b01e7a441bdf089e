import copy
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from torch import nn

from udaplug.registry import OPTIM_WRAPPER_CONSTRUCTORS

DEFAULT = 'default'
GROUP_KEY = 'networks'


def _has_optimizer_type(cfg: dict) -> bool:
    optimizer = cfg.get('optimizer')
    return isinstance(optimizer, dict) and 'type' in optimizer


def _merged(default: Optional[dict], entry: dict, key: str) -> dict:
    """``entry`` if it names an optimizer type, else ``entry`` merged into
    ``default`` (mmengine's config merge: ``_delete_=True`` replaces)."""
    entry = {k: v for k, v in entry.items() if k != GROUP_KEY}
    if _has_optimizer_type(entry):
        return copy.deepcopy(entry)
    if default is None:
        raise ValueError(
            f'optim_wrapper.{key} names no optimizer type and there is no '
            'optim_wrapper.default to complete it: give it '
            "optimizer=dict(type=..., ...) or add default=dict(optimizer=...)")
    merged = ConfigDict(copy.deepcopy(default))
    merged = Config._merge_a_into_b(ConfigDict(copy.deepcopy(entry)), merged)
    return merged.to_dict() if hasattr(merged, 'to_dict') else dict(merged)


def plan_optimizers(
        trainable: List[str],
        optim_wrapper_cfg: dict) -> Dict[str, Tuple[List[str], dict]]:
    """Which optimizer wrapper every trainable network gets.

    Args:
        trainable (list[str]): The model's trainable networks.
        optim_wrapper_cfg (dict): ``optim_wrapper`` without ``constructor``:
            ``default``, per-network entries and groups (entries with
            ``networks=[...]``).

    Returns:
        dict: optimizer key (network or group name) -> (its networks, the
        complete optim wrapper config).
    """
    cfg = dict(copy.deepcopy(optim_wrapper_cfg))
    default = cfg.pop(DEFAULT, None)
    if default is not None and not _has_optimizer_type(default):
        raise ValueError('optim_wrapper.default must name an optimizer: '
                         "default=dict(optimizer=dict(type='Adam', ...))")
    plan: Dict[str, Tuple[List[str], dict]] = {}
    owner: Dict[str, str] = {}
    for key, entry in cfg.items():
        if not isinstance(entry, dict):
            raise TypeError(f'optim_wrapper.{key} must be a dict, got '
                            f'{entry!r}')
        members = entry.get(GROUP_KEY)
        if members is None:
            members = [key]
        elif isinstance(members, str) or not members:
            raise ValueError(f'optim_wrapper.{key}.{GROUP_KEY} must be a '
                             'non-empty list of network names')
        for name in members:
            if name not in trainable:
                what = 'entry' if members == [key] else f'group "{key}"'
                raise ValueError(
                    f'optim_wrapper {what}: "{name}" is not a trainable '
                    f'network of the model (trainable: {trainable}); remove '
                    'the entry, or check the network\'s name and role')
            if name in owner:
                raise ValueError(
                    f'optim_wrapper: network "{name}" has two optimizers '
                    f'("{owner[name]}" and "{key}"); keep one')
            owner[name] = key
        plan[key] = (list(members), _merged(default, entry, key))
    for name in trainable:
        if name in owner:
            continue
        if default is None:
            raise ValueError(
                f'optim_wrapper: trainable network "{name}" has no optimizer:'
                f' add optim_wrapper.{name}=dict(optimizer=...) or '
                'optim_wrapper.default')
        plan[name] = ([name], copy.deepcopy(default))
    for key, (_, wrapper_cfg) in plan.items():
        counts = wrapper_cfg.get('accumulative_counts', 1)
        if counts != 1:
            raise ValueError(
                f'optim_wrapper.{key}: accumulative_counts={counts} is not '
                'supported by UDA models (several backward passes per '
                'network and iteration); remove it and raise the batch size '
                'or the number of processes instead')
    return plan


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class UDAOptimWrapperConstructor:
    """One optimizer wrapper per trainable network of a UDA model (or per
    group of networks), from one default and per-network overrides.

    Example::

        optim_wrapper = dict(
            constructor='UDAOptimWrapperConstructor',
            # every trainable network without an entry of its own
            default=dict(optimizer=dict(type='Adam', lr=2e-4,
                                        betas=(0.5, 0.999))),
            # an entry naming an optimizer type is used as it is
            segmentor=dict(
                optimizer=dict(type='SGD', lr=2.5e-4, momentum=0.9),
                paramwise_cfg=dict(
                    custom_keys={'decode_head': dict(lr_mult=10.)})),
            # an entry without one is merged into the default
            disc_feat=dict(optimizer=dict(lr=1e-4)),
            # a group: one optimizer over several networks
            generators=dict(networks=['gen_st', 'gen_ts']))

    Which networks are trainable comes from the model's network roles
    (``model.trainable_names``; frozen and EMA networks get no optimizer).
    The result is an :class:`~mmengine.optim.OptimWrapperDict` keyed by
    network or group name; every wrapper has a ``network_names`` attribute
    (used by ``BaseUDASegmentor.optimizer_of``). Each wrapper is built by
    mmengine's :class:`DefaultOptimWrapperConstructor` with the entry's
    ``paramwise_cfg`` (for a group, parameter names are prefixed with the
    network name, e.g. ``'gen_st.'``).

    ``param_scheduler`` may then be a list (every optimizer) or a dict keyed
    by optimizer names with an optional ``default`` (see
    :func:`udaplug.apis.expand_param_scheduler`).
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None):
        if paramwise_cfg:
            raise ValueError(
                'UDAOptimWrapperConstructor: put paramwise_cfg inside the '
                'entry of the network it is for (e.g. optim_wrapper.'
                'segmentor.paramwise_cfg)')
        self.optim_wrapper_cfg = copy.deepcopy(dict(optim_wrapper_cfg))

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        from udaplug.models.uda import BaseUDASegmentor
        if is_model_wrapper(model):
            model = model.module
        if not isinstance(model, BaseUDASegmentor):
            raise TypeError(
                'UDAOptimWrapperConstructor builds optimizers for udaplug '
                f'UDA models (BaseUDASegmentor), got {type(model).__name__}')
        wrappers = {}
        for key, (members,
                  cfg) in plan_optimizers(model.trainable_names,
                                          self.optim_wrapper_cfg).items():
            cfg = dict(cfg)
            paramwise = cfg.pop('paramwise_cfg', None)
            if len(members) == 1 and members[0] == key:
                target = getattr(model, key)
            else:
                target = nn.ModuleDict({
                    name: model.network(name, wrapped=False)
                    for name in members
                })
            wrapper = DefaultOptimWrapperConstructor(cfg, paramwise)(target)
            wrapper.network_names = tuple(members)
            wrappers[key] = wrapper
            print_log(
                f'optimizer "{key}" ({cfg["optimizer"]["type"]}): '
                f'{", ".join(members)}',
                logger='current')
        return OptimWrapperDict(**wrappers)

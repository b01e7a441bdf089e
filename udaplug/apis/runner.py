"""What ``tools/train.py`` and ``tools/test.py`` do before MMEngine's runner
takes over: load a config with clear errors, switch on mixed precision,
prepare CPU-only distributed runs, and build the runner."""
import argparse
import copy
import logging
import os
import os.path as osp
from typing import Callable, Dict, Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

from udaplug.registry import RUNNERS
from udaplug.utils import (check_config_path, explain_unknown_types,
                           last_checkpoint, register_all_modules,
                           unique_run_name, with_mmengine_checkpoint_io)

AMP_WRAPPER = 'MixedPrecisionOptimWrapper'


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Load a config file (a clear error if it does not exist) and merge
    command-line overrides into it."""
    cfg = Config.fromfile(check_config_path(path))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def _wrapper_cfgs(optim_wrapper: dict) -> list:
    """The config dicts of every optimizer wrapper: the one of a single
    optimizer, or each one of a multi-optimizer constructor."""
    if 'optimizer' in optim_wrapper:
        return [optim_wrapper]
    return [
        value for value in optim_wrapper.values()
        if isinstance(value, dict) and 'optimizer' in value
    ]


def enable_amp(cfg: Config) -> None:
    """Make every optimizer wrapper of ``cfg`` a mixed-precision one.

    Each optimizer keeps its own loss scaler: fp16 autocast with dynamic loss
    scaling on CUDA, bf16 autocast on CPU (see
    :class:`udaplug.engine.MixedPrecisionOptimWrapper`).
    """
    wrappers = _wrapper_cfgs(cfg.optim_wrapper)
    if not wrappers:
        raise ValueError('--amp: found no optimizer wrapper (a dict with an '
                         '"optimizer" key) in cfg.optim_wrapper')
    for wrapper in wrappers:
        kind = wrapper.get('type', 'OptimWrapper')
        if kind in ('AmpOptimWrapper', AMP_WRAPPER):
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING)
            wrapper['type'] = AMP_WRAPPER
            continue
        if kind != 'OptimWrapper':
            raise ValueError(f'--amp supports optimizer wrappers of type '
                             f'OptimWrapper, but the config has {kind}')
        wrapper['type'] = AMP_WRAPPER
        wrapper.setdefault('loss_scale', 'dynamic')


def check_one_gpu_per_process() -> None:
    """mmengine gives each process of a machine its own GPU (local rank i
    uses GPU i): more processes than visible GPUs fail with an error that
    does not say so (an ``IndexError`` in mmengine's logger). Raise one that
    does, before anything is built."""
    local = int(os.environ.get('LOCAL_WORLD_SIZE', '1'))
    gpus = torch.cuda.device_count()
    if local > gpus:
        raise RuntimeError(
            f'{local} training processes on this machine but {gpus} visible '
            f'GPU(s) (CUDA_VISIBLE_DEVICES='
            f'{os.environ.get("CUDA_VISIBLE_DEVICES", "unset")}): each '
            'process needs a GPU of its own. Start at most as many '
            'processes as GPUs (tools/dist_train.sh CONFIG NGPUS).')


def setup_launcher(cfg: Config, launcher: str) -> None:
    """Record the launcher; on machines without CUDA, use the gloo backend.

    mmengine's ``init_dist`` selects a CUDA device even for gloo, which fails
    without a GPU, so on CPU the process group is initialised here (from the
    environment variables ``torchrun`` sets) and the runner reuses it.
    """
    cfg.launcher = launcher
    if launcher == 'none':
        return
    if torch.cuda.is_available():
        check_one_gpu_per_process()
        return
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    if launcher != 'pytorch':
        raise RuntimeError(
            f'--launcher {launcher} needs GPUs; on a CPU-only machine use '
            'tools/dist_train.sh (torchrun, --launcher pytorch)')
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend='gloo')


def check_load_from(cfg: Config) -> None:
    """A missing ``load_from`` file fails before anything is built, with what
    to do about it (URLs and other remote paths are left to mmengine)."""
    path = cfg.get('load_from')
    if not path or '://' in path or osp.isfile(path):
        return
    raise FileNotFoundError(
        f'load_from: checkpoint not found: {path} (absolute: '
        f'{osp.abspath(path)}). Put the file there (the config\'s comment '
        'next to load_from says how to make it, e.g. with '
        'tools/convert_models/), point load_from at it with --cfg-options '
        'load_from=PATH, or train from scratch with --cfg-options '
        'load_from=None.')


def visit_dataloaders(cfg: Config, visit: Callable[[dict], None]) -> None:
    """Call ``visit`` on every dict inside the config's train, val and test
    dataloaders (datasets, nested datasets, pipeline transforms)."""

    def walk(node):
        if isinstance(node, dict):
            visit(node)
            children = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            return
        for child in children:
            walk(child)

    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        walk(cfg.get(key))


def set_data_roots(cfg: Config, roots: Dict[str, str]) -> None:
    """Replace the prefix ``old`` of every dataset's ``data_root`` by
    ``roots[old]`` (e.g. ``{'data/demo': '/tmp/demo'}``). A root already
    in a new folder is left as it is, so applying it twice changes
    nothing."""

    def under(root, folder):
        return root == folder or root.startswith(folder.rstrip('/') + '/')

    def visit(node):
        root = node.get('data_root')
        if not isinstance(root, str):
            return
        if any(under(root, new) for new in roots.values()):
            return
        for old, new in roots.items():
            if under(root, old):
                node['data_root'] = new + root[len(old):]
                return

    visit_dataloaders(cfg, visit)


def _source_dataset_cfg(cfg: Config) -> Optional[dict]:
    """The config of the (source) training dataset, inside UDADataset and
    dataset wrappers."""
    loader = cfg.get('train_dataloader')
    dataset = loader.get('dataset') if loader else None
    while isinstance(dataset, dict):
        inner = dataset.get('source', dataset.get('dataset'))
        if not isinstance(inner, dict):
            return dataset
        dataset = inner
    return None


def _target_dataset_cfg(cfg: Config) -> Optional[dict]:
    """The config of the target training dataset of a UDA dataset (inside
    dataset wrappers), or None."""
    loader = cfg.get('train_dataloader')
    dataset = loader.get('dataset') if loader else None
    while isinstance(dataset, dict):
        if isinstance(dataset.get('target'), dict):
            return dataset['target']
        dataset = dataset.get('dataset')
    return None


def check_model_matches_data(cfg: Config, model) -> None:
    """Before training starts: the model predicts as many classes as the
    training data has, gets the depth it needs (e.g. GIO-Ada) and the
    target labels it needs (pseudo-labels, e.g. Musto & Zinelli's
    segmentation stage): the fields of
    :attr:`~udaplug.models.uda.BaseUDASegmentor.required_source_keys` and
    :attr:`~udaplug.models.uda.BaseUDASegmentor.required_target_keys`."""
    from udaplug.datasets import (DepthNotFoundError, MissingLabelsError,
                                  check_num_classes)
    from udaplug.datasets.checks import (pipeline_loads_depth,
                                         pipeline_loads_labels)
    from udaplug.models.uda import BaseUDASegmentor, unwrap
    from udaplug.registry import DATASETS
    dataset = _source_dataset_cfg(cfg)
    if dataset is None:
        return
    model = unwrap(model)
    name = str(dataset.get('type'))
    classes = (dataset.get('metainfo') or {}).get('classes')
    if classes is None:
        dataset_cls = DATASETS.get(name)
        classes = getattr(dataset_cls, 'METAINFO', {}).get('classes')
    seg = getattr(model, 'seg_model', model)
    head = getattr(seg, 'decode_head', None)
    num_classes = getattr(head, 'num_classes', None)
    if classes and num_classes is not None:
        check_num_classes(
            num_classes, {'classes': classes},
            what=f'model (decode_head, training on {name})')
    needs = model.required_source_keys if isinstance(model,
                                                     BaseUDASegmentor) else ()
    if 'gt_depth_map' in needs and \
            not pipeline_loads_depth(dataset.get('pipeline')):
        raise DepthNotFoundError(
            f'{type(model).__name__} needs source depth (gt_depth_map), but '
            f'the training dataset {name} (data_root '
            f'{dataset.get("data_root")}) loads none: add '
            'LoadDepthFromFile to its pipeline (and data_prefix '
            "depth_path), or use a dataset with depth.")
    target = _target_dataset_cfg(cfg)
    target_needs = model.required_target_keys if isinstance(
        model, BaseUDASegmentor) else ()
    if target is not None and 'gt_sem_seg' in target_needs and \
            not pipeline_loads_labels(target.get('pipeline')):
        raise MissingLabelsError(
            f'{type(model).__name__} needs labels of the target images '
            '(gt_sem_seg: pseudo-labels), but the target training dataset '
            f'{target.get("type")} (data_root {target.get("data_root")}) '
            'loads none. Train on the dataset a pseudo-label stage writes '
            "(e.g. train_dataloader.dataset.target='@pseudo_labels.dataset' "
            'in a pipeline config, or OUT/pseudo_labelled_target.py that '
            'tools/pseudo_label.py CONFIG CHECKPOINT --out OUT writes), '
            'whose pipeline has LoadAnnotations, with '
            'allow_target_labels=True.')


def trainable_networks(model_cfg: dict) -> list:
    """Names of the trainable networks a UDA model config declares
    (segmentor, generators, discriminators, networks without a ``role`` of
    ``'frozen'`` or ``'ema'``), in build order."""
    names = []
    groups = [('segmentor', model_cfg.get('segmentor'))] + [
        item for key in ('generators', 'discriminators', 'networks')
        for item in (model_cfg.get(key) or {}).items()
    ]
    for name, net in groups:
        if isinstance(net, dict) and net.get('role',
                                             'trainable') == 'trainable':
            names.append(name)
    return names


def expand_param_scheduler(cfg: Config) -> None:
    """Expand the ``default`` entry of a per-optimizer ``param_scheduler``
    dict to every optimizer of a ``UDAOptimWrapperConstructor`` without an
    entry of its own (mmengine needs one key per optimizer)."""
    schedulers = cfg.get('param_scheduler')
    if not isinstance(schedulers, dict) or 'type' in schedulers or \
            'default' not in schedulers:
        return
    optim = cfg.get('optim_wrapper') or {}
    if str(optim.get('constructor', '')).split('.')[-1] != \
            'UDAOptimWrapperConstructor':
        raise ValueError(
            'param_scheduler.default needs optim_wrapper.constructor='
            '"UDAOptimWrapperConstructor" (it knows the optimizers)')
    from udaplug.engine.optimizers import plan_optimizers
    optim = {k: v for k, v in optim.items() if k != 'constructor'}
    keys = list(plan_optimizers(trainable_networks(cfg.model), optim).keys())
    unknown = sorted(set(schedulers) - set(keys) - {'default'})
    if unknown:
        raise ValueError(f'param_scheduler has entries {unknown} that are '
                         f'not optimizers of the model ({keys})')
    default = schedulers['default']
    cfg.param_scheduler = {
        key: copy.deepcopy(schedulers.get(key, default))
        for key in keys
    }


def resolve_resume(cfg: Config, resume: bool) -> Optional[str]:
    """``tools/train.py --resume``: continue from the checkpoint saved last
    in ``cfg.work_dir`` (:func:`udaplug.utils.last_checkpoint`), returned.

    mmengine's runner resumes from ``load_from`` instead whenever a config
    sets it, and every stage config a pipeline writes does (the previous
    stage's checkpoint, its initial weights): ``--resume`` would restart
    the stage from another run's weights, iteration and optimizer state,
    and re-initialise the networks that checkpoint lacks. Here
    ``load_from`` becomes the work dir's last checkpoint; with none there,
    training starts afresh (from ``load_from`` as initial weights, if set),
    and the log says which."""
    cfg.resume = False
    if not resume:
        return None
    latest = last_checkpoint(cfg.work_dir)
    if latest is None:
        start = (f'load_from={cfg.load_from} as initial weights'
                 if cfg.get('load_from') else 'the model\'s initialisation')
        print_log(
            f'--resume: no checkpoint in {cfg.work_dir} (its last_checkpoint '
            f'file is missing or names no existing file); training starts '
            f'from {start}',
            logger='current',
            level=logging.WARNING)
        return None
    if cfg.get('load_from') and cfg.load_from != latest:
        print_log(
            f'--resume: resuming from {latest}, the last checkpoint in '
            f'{cfg.work_dir}; the config\'s load_from ({cfg.load_from}) '
            'is not used',
            logger='current')
    cfg.resume = True
    cfg.load_from = latest
    return latest


def build_runner(cfg: Config) -> Runner:
    """Build the runner named by ``cfg.runner_type`` (default: Runner),
    checking first that the files it needs exist, then that the model fits
    the training data and that pseudo-labelled or translated datasets are
    complete and fit it.

    The runner saves and loads checkpoints under torch's ``weights_only``
    unpickler: its ``train``, ``val``, ``test``, ``save_checkpoint``,
    ``load_checkpoint`` and ``resume`` run inside
    :func:`udaplug.utils.mmengine_checkpoint_io` (this runner only; mmengine
    itself is not changed), and the checkpoints it writes load with plain
    ``torch.load`` (:class:`~udaplug.engine.hooks.PortableCheckpointHook`),
    e.g. in mmseg's ``init_model``."""
    check_load_from(cfg)
    expand_param_scheduler(cfg)
    if cfg.get('experiment_name') is None:
        stem = osp.splitext(osp.basename(cfg.filename or 'config'))[0]
        cfg.experiment_name = unique_run_name(stem)
    register_all_modules(init_default_scope=False)
    with explain_unknown_types():
        if 'runner_type' not in cfg:
            runner = Runner.from_cfg(cfg)
        else:
            runner = RUNNERS.build(cfg)
    check_model_matches_data(cfg, runner.model)
    from udaplug.pipelines.checks import check_derived_datasets
    check_derived_datasets(cfg, runner.model)
    runner.register_hook(dict(type='PortableCheckpointHook'))
    return with_mmengine_checkpoint_io(runner)


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """The options tools/train.py and tools/test.py share: ``config``,
    ``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``."""
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--work-dir',
        help='the dir for logs, checkpoints and metrics (default: '
        'work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value, e.g. '
        'train_cfg.max_iters=10 optim_wrapper.segmentor.optimizer.lr=0.01')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (torchrun sets LOCAL_RANK)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def config_from_args(args: argparse.Namespace) -> Config:
    """Load ``args.config`` with the options of :func:`add_runner_args`:
    overrides, launcher (gloo on CPU), work dir."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = load_config(args.config, args.cfg_options)
    setup_launcher(cfg, args.launcher)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg

"""Seconds per training iteration and peak memory of a config's model.

    python tools/analysis/benchmark_train.py CONFIG [--shape H W]
        [--target-shape H W] [--iters N] [--warmup N] [--amp]
        [--stage NAME] [--at-iter N] [--cfg-options key=value ...]

Trains on random images and labels of the given size (batch size 1 per
domain unless --batch-size), on the GPU when there is one, else on the CPU,
from random weights (the configs' pretrained files are not loaded: weights
do not change the timing; the BatchNorm statistics of frozen segmentors
are measured on random images, see ``calibrate_frozen_segmentors``). The
batch has the domains the config's training set yields: target labels
when its ``UDADataset`` has ``allow_target_labels`` (pseudo-labels), a
``translated`` domain for a ``TranslatedSourceUDADataset``. The config's
MeanTeacherHook, if any, updates the EMA networks after every iteration,
inside the timing. Prints the figures; it asserts nothing.

For a pipeline config (``stages=[...]``) it times one train stage (the last
one unless ``--stage``), with the pipeline's and the stage's
``cfg_options`` except references to other stages' outputs, and
``--cfg-options`` applied to the stage's config. ``--at-iter`` sets the
iteration the model sees (for methods whose step changes with it, e.g. a
segmentor frozen for the first iterations).
"""
import argparse
import os.path as osp
import resource
import time
from types import SimpleNamespace

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from udaplug.apis import enable_amp, load_config
from udaplug.models.segmentors import BaseUDASegmentor
from udaplug.registry import HOOKS, MODELS
from udaplug.utils import mmengine_checkpoint_io, register_all_modules


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[512, 1024],
        metavar=('H', 'W'),
        help='(source) image size')
    parser.add_argument(
        '--target-shape',
        type=int,
        nargs=2,
        default=None,
        metavar=('H', 'W'),
        help='target image size (default: --shape)')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--amp', action='store_true')
    parser.add_argument(
        '--stage',
        default=None,
        help='pipeline configs: the train stage to time (default: the last)')
    parser.add_argument(
        '--at-iter',
        type=int,
        default=0,
        help='the training iteration the model sees')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def train_stages(nodes, found=None) -> list:
    """The ``TrainStage`` entries of a pipeline's stages, blocks included,
    in order."""
    found = [] if found is None else found
    for node in nodes:
        if node.get('type') == 'TrainStage':
            found.append(node)
        train_stages(node.get('stages', []), found)
    return found


def without_references(options) -> dict:
    """``options`` less the values that refer to other stages' outputs."""
    from udaplug.pipelines.references import iter_references
    options = dict(options or {})
    for key in list(options):
        if any(True for _ in iter_references(options[key])):
            print(f'not applied (an earlier stage\'s output): {key}='
                  f'{options.pop(key)}')
    return options


def stage_config(pipeline: Config,
                 path: str,
                 name=None,
                 cfg_options=None) -> Config:
    """The config of train stage ``name`` (default: the last) of the
    pipeline config ``pipeline`` read from ``path``."""
    from udaplug.pipelines.stages.base import merge_cfg_options
    stages = train_stages(pipeline.stages)
    names = [s['name'] for s in stages]
    if not stages or (name is not None and name not in names):
        raise ValueError(f'{path}: no train stage named {name!r}; its train '
                         f'stages: {names}')
    stage = stages[names.index(name)] if name else stages[-1]
    file = osp.join(osp.dirname(osp.abspath(path)), stage['config'])
    print(f'pipeline {path}: stage "{stage["name"]}" ({file})')
    cfg = load_config(file)
    merge_cfg_options(cfg,
                      without_references(pipeline.get('stage_cfg_options')))
    merge_cfg_options(cfg, without_references(stage.get('cfg_options')))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def random_batch(shape, batch_size, num_classes, labelled=True):
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(torch.randint(0, 256, (3, *shape), dtype=torch.uint8))
        sample = SegDataSample()
        if labelled:
            sample.gt_sem_seg = PixelData(
                data=torch.randint(0, num_classes, (1, *shape)))
            sample.gt_depth_map = PixelData(data=torch.rand(1, *shape))
        sample.set_metainfo(dict(img_shape=shape, ori_shape=shape))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def peak_memory_mib(device):
    if device == 'cuda':
        return torch.cuda.max_memory_allocated() / 2**20
    # ru_maxrss is in KiB on Linux: the process's peak resident memory.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10


def drop_pretrained(node) -> None:
    """Random weights instead of the ``Pretrained`` init files and the
    frozen VGG-16 file of an AC-head discriminator (``vgg_checkpoint``)."""
    if isinstance(node, dict):
        init = node.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            node['init_cfg'] = None
        if node.get('vgg_checkpoint') is not None:
            node['vgg_checkpoint'] = node['vgg_prefix'] = None
        for value in node.values():
            drop_pretrained(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            drop_pretrained(value)


def prepare(args) -> SimpleNamespace:
    """Build what ``main`` times from its parsed ``args``: the config's model
    (random weights) on the GPU when there is one, its optimizer wrappers
    (mixed precision with ``args.amp``), ``train_step(data, it)`` (the
    model's step, then the config's MeanTeacherHook) and ``batch()`` (a
    random batch with the domains the config trains on). Also used by the
    GPU tests (``tests/test_cuda``)."""
    register_all_modules()
    from udaplug.pipelines import is_pipeline_config
    cfg = load_config(args.config)
    if is_pipeline_config(cfg):
        cfg = stage_config(cfg, args.config, args.stage, args.cfg_options)
    elif args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    MessageHub.get_current_instance().update_info('iter', args.at_iter)
    dataset = cfg.get('train_dataloader', {}).get('dataset', {})
    target_labels = bool(dataset.get('allow_target_labels', False))
    translated = dataset.get('type') == 'TranslatedSourceUDADataset'
    if args.amp:
        enable_amp(cfg)
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    drop_pretrained(cfg.model)
    model = MODELS.build(cfg.model)
    with mmengine_checkpoint_io():  # init_cfg may name a udaplug checkpoint
        model.init_weights()
    model.to(device).train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    teacher_hooks = [
        HOOKS.build(hook) for hook in cfg.get('custom_hooks', [])
        if hook['type'] == 'MeanTeacherHook'
    ]
    runner = SimpleNamespace(model=model, iter=0)
    for hook in teacher_hooks:
        hook.before_train(runner)

    def train_step(data, it):
        log_vars = model.train_step(data, optim_wrapper)
        runner.iter = it
        for hook in teacher_hooks:
            hook.after_train_iter(runner, it)
        return log_vars

    num_classes = model.segmentor.decode_head.num_classes if isinstance(
        model, BaseUDASegmentor) else model.decode_head.num_classes
    source_shape = tuple(args.shape)
    target_shape = tuple(args.target_shape or args.shape)

    def batch():
        source = random_batch(source_shape, args.batch_size, num_classes)
        if not isinstance(model, BaseUDASegmentor):
            return source
        data = dict(
            source=source,
            target=random_batch(
                target_shape,
                args.batch_size,
                num_classes,
                labelled=target_labels
                or 'gt_sem_seg' in model.required_target_keys))
        if translated:
            data['translated'] = random_batch(source_shape, args.batch_size,
                                              num_classes)
        return data

    calibrate_frozen_segmentors(model, batch)
    return SimpleNamespace(
        model=model,
        optim_wrapper=optim_wrapper,
        train_step=train_step,
        batch=batch,
        device=device,
        source_shape=source_shape,
        target_shape=target_shape)


def calibrate_frozen_segmentors(model, batch) -> None:
    """Measure the BatchNorm statistics of a UDA model's frozen segmentors
    on two random batches (``batch()`` through the model's data
    preprocessor; cumulative average), then put them back in eval mode.
    With random weights, a frozen segmentor in eval mode normalises with
    the initial statistics (mean 0, variance 1), under which the
    activations grow layer after layer: a random DeepLab-v2 ResNet-101's
    logits reach about 1e6-4e7 on images in its 0-255 input range, beyond
    float16's range (6.5e4), where a trained network's stay small (about
    10 after this measurement), so ``--amp`` times a finite step."""
    from torch.nn.modules.batchnorm import _BatchNorm

    from udaplug.models.uda.roles import FROZEN
    if not isinstance(model, BaseUDASegmentor):
        return
    for name in model.network_names(kind='segmentor', role=FROZEN):
        net = model.network(name, wrapped=False)
        norms = [m for m in net.modules() if isinstance(m, _BatchNorm)]
        if not norms:
            continue
        momenta = [m.momentum for m in norms]
        for m in norms:  # in train mode even where the backbone has
            m.reset_running_stats()  # norm_eval=True
            m.momentum = None
            m.train()
        with torch.no_grad():
            for _ in range(2):
                inputs = model.data_preprocessor(batch(), True)
                model.outputs_of(
                    name, inputs['source']['inputs'], wrapped=False)
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
    model.train()  # frozen networks back in eval mode


def main(argv=None):
    args = parse_args(argv)
    run = prepare(args)
    model, train_step, batch, device = (run.model, run.train_step, run.batch,
                                        run.device)
    source_shape, target_shape = run.source_shape, run.target_shape

    def sync():
        if device == 'cuda':
            torch.cuda.synchronize()

    for it in range(args.warmup):
        train_step(batch(), it)
    sync()
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    elapsed = cpu = 0.0
    for it in range(args.iters):
        data = batch()
        sync()
        start, start_cpu = time.perf_counter(), time.process_time()
        train_step(data, args.warmup + it)
        sync()
        elapsed += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
    name = torch.cuda.get_device_name() if device == 'cuda' else \
        f'CPU ({torch.get_num_threads()} threads)'
    print(f'config: {args.config}')
    print(f'device: {name}  amp: {args.amp}')
    print(f'source {source_shape}, target {target_shape}, '
          f'batch {args.batch_size}, {args.iters} iterations after '
          f'{args.warmup} warm-up, at iteration {args.at_iter}')
    print(f'time per iteration: {elapsed / args.iters:.3f} s')
    # on a shared machine the wall time grows with the load, the CPU time
    # of the process much less
    print(f'CPU time per iteration (this process): {cpu / args.iters:.3f} s')
    what = 'peak GPU memory allocated' if device == 'cuda' else \
        'peak resident memory of the process'
    print(f'{what}: {peak_memory_mib(device):.0f} MiB')
    return model


if __name__ == '__main__':
    main()

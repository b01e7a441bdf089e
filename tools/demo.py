"""The demo behind ``make demo``: domain adaptation methods against
source-only training on the embedded demo domain pair.

    python tools/demo.py [--methods KEY ...] [--list] [--jobs N]
        [--data-root data/demo] [--work-dir work_dirs/demo] [--iters N]
        [--rows N] [--verbose] [--cfg-options key=value ...]

1. writes the demo dataset (tools/make_demo_data.py) unless it is there;
2. trains the chosen methods' demo configs (default: source-only and
   AdaptSegNet, which share segmentor, initialisation and schedule), as many
   at a time as there are CPU cores (``--jobs``), each in its own process;
3. tests each on the demo target's val split, saving every prediction next
   to its label (``<work-dir>/<method>/predictions``);
4. prints their target mIoU (also written to ``<work-dir>/results.md``) and
   the CPU and wall time of every phase, and draws
   ``<work-dir>/comparison.png``: target image | label | each method's
   prediction, for the first ``--rows`` val images.

Methods are the entries of ``METHODS`` (``--list`` prints them); a method
that adapts names its ``baseline``, the source-only config with the same
segmentor, initialisation and schedule, which is then trained too.
"""
import argparse
import contextlib
import logging
import os
import os.path as osp
import resource
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import wait
from typing import List, Optional, Sequence

from mmengine.config import DictAction
from mmengine.hooks import Hook

from udaplug.utils.known_warnings import filter_known_warnings

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(HERE)
DEFAULT_DATA_ROOT = 'data/demo'


@dataclass(frozen=True)
class Method:
    """One row of the demo.

    Args:
        title: Name in the tables and the figure.
        key: Name on the command line and of the work dir.
        config: Config file (relative to the repository), a single training
            config or a pipeline config (top-level ``stages``).
        baseline: Key of the method this one is compared with: the same
            segmentor, initialisation and schedule without adaptation.
    """
    title: str
    key: str
    config: str
    baseline: Optional[str] = None


METHODS = (
    Method('Source only', 'source_only', 'configs/demo/source_only_demo.py'),
    Method(
        'AdaptSegNet',
        'adaptsegnet',
        'configs/demo/adaptsegnet_demo.py',
        baseline='source_only'),
    Method(
        'DACS', 'dacs', 'configs/demo/dacs_demo.py', baseline='source_only'),
    # pipelines: a source-only warm-up of GIO-Ada's VGG-16 task network
    # (the demo's stand-in for ImageNet weights), then GIO-Ada or the same
    # task network trained as long without adaptation (docs/gioada.md)
    Method('GIO-Ada non-adapted', 'gioada_non_adapt',
           'configs/demo/gioada_non_adapt_demo.py'),
    Method(
        'GIO-Ada',
        'gioada',
        'configs/demo/gioada_demo.py',
        baseline='gioada_non_adapt'),
    Method('Source only (VGG-16 DeepLab-v2)', 'sci2i_source_only',
           'configs/demo/sci2i_source_only_demo.py'),
    Method(
        'Brehm et al. (I2I + mean teacher)',
        'sci2i',
        'configs/demo/sci2i_demo.py',
        baseline='sci2i_source_only'),
    # Toldo et al.: its own segmentor (MobileNet-v2 DeepLab-v3+) and
    # baseline; two-stage pipelines (source pre-training, then adaptation or
    # source-only training for as long)
    Method('Source only (MobileNet-v2 DeepLab-v3+)', 'cyclefeat_source_only',
           'configs/demo/cyclefeat_source_only_demo.py'),
    Method(
        'Toldo et al. (CycleGAN + feature alignment)',
        'cyclefeat',
        'configs/demo/cyclefeat_demo.py',
        baseline='cyclefeat_source_only'),
    # a pipeline: M0 adapted by an output-space adversarial stage (the
    # stand-in for the adapted model the paper starts from), then one round
    # of translation, pseudo-labels and segmentation; its control trains
    # the same segmentor from the same initialisation for as many
    # iterations on the source alone; sai2i_adapted continues M0's own
    # training instead of the round (the round's own contribution)
    Method('Source only (SAI2I control)', 'sai2i_source_only',
           'configs/demo/sai2i_demo_control.py'),
    Method('SAI2I M0 + 300 adversarial iterations (no round)', 'sai2i_adapted',
           'configs/demo/sai2i_demo_adapted_control.py'),
    Method(
        'SAI2I (Musto & Zinelli)',
        'sai2i',
        'configs/demo/sai2i_demo.py',
        baseline='sai2i_source_only'),
)
# what trains within the 5-minute budget of `make demo` on 2 CPU cores
DEFAULT_METHODS = ('source_only', 'adaptsegnet')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--methods',
        nargs='+',
        default=list(DEFAULT_METHODS),
        metavar='KEY',
        help='methods to train (keys of --list; default: '
        f'{" ".join(DEFAULT_METHODS)}); a method\'s baseline is added')
    parser.add_argument(
        '--list', action='store_true', help='list the methods and exit')
    parser.add_argument('--data-root', default=DEFAULT_DATA_ROOT)
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument(
        '--iters', type=int, help='training iterations (default: configs)')
    parser.add_argument(
        '--jobs',
        type=int,
        help='methods trained at the same time, one process each (default: '
        'the number of CPU cores, at most the number of methods)')
    parser.add_argument(
        '--num-source',
        type=int,
        default=200,
        help='source images to generate if the data root is empty')
    parser.add_argument(
        '--rows',
        type=int,
        default=4,
        help='val images shown in comparison.png')
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='print the runners\' logs (otherwise in each work dir)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='settings applied to every config, key=value')
    return parser.parse_args(argv)


def select_methods(keys: Sequence[str]) -> List[Method]:
    """The methods named by ``keys`` (comma-separated lists allowed) plus
    their baselines, baselines first."""
    by_key = {m.key: m for m in METHODS}
    wanted = [k for key in keys for k in key.split(',') if k]
    unknown = [k for k in wanted if k not in by_key]
    if unknown:
        raise SystemExit(f'demo: unknown method(s) {unknown}; choose from '
                         f'{list(by_key)} (--list)')
    chosen: List[str] = []
    for key in wanted:
        baseline = by_key[key].baseline
        for k in ([baseline] if baseline else []) + [key]:
            if k not in chosen:
                chosen.append(k)
    return sorted((by_key[k] for k in chosen),
                  key=lambda m: (m.baseline is not None, chosen.index(m.key)))


def ensure_demo_data(root: str, num_source: int, nproc: int) -> None:
    if osp.isfile(osp.join(root, 'demo_info.json')):
        print(f'Demo data: {root} (already there)')
        return
    from udaplug.datasets.demo import make_demo_data
    print(f'Demo data: writing {root} (GTA5-, SYNTHIA- and Cityscapes-style '
          'folders, a few seconds)')
    make_demo_data(
        root,
        num_source=num_source,
        num_target_train=max(1, num_source // 2),
        num_target_val=max(1, num_source // 4),
        nproc=nproc,
        quiet=True)


class ProgressHook(Hook):
    """Prints one line every ``interval`` training iterations."""
    priority = 'VERY_LOW'

    def __init__(self, title: str, interval: int = 100):
        self.title = title
        self.interval = interval
        self.start = time.time()

    def before_train(self, runner) -> None:
        self.start = time.time()

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        done = runner.iter + 1
        if done % self.interval and done != runner.max_iters:
            return
        losses = ', '.join(f'{k} {float(v):.3f}'
                           for k, v in (outputs or {}).items()
                           if k.endswith('loss_ce') and k.startswith('dec'))
        print(
            f'  {self.title}: iteration {done}/{runner.max_iters} '
            f'({time.time() - self.start:.0f} s) {losses}',
            flush=True)


class ThreadShareHook(Hook):
    """Follows the number of threads the demo gives this process (a shared
    value the parent raises when other methods finish), so that the cores
    stay busy to the end."""
    priority = 'VERY_HIGH'

    def __init__(self, share):
        self.share = share

    def _follow(self) -> None:
        import torch
        threads = int(self.share.value)
        if threads != torch.get_num_threads():
            torch.set_num_threads(threads)

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self._follow()

    def before_test(self, runner) -> None:
        self._follow()


def _timer():
    return time.process_time(), time.time()


def _elapsed(start):
    cpu, wall = _timer()
    return dict(cpu=cpu - start[0], wall=wall - start[1])


def _prepare(cfg, work_dir: str, data_root: str, iters: Optional[int],
             verbose: bool):
    from udaplug.apis import set_data_roots
    cfg.work_dir = work_dir
    set_data_roots(cfg, {DEFAULT_DATA_ROOT: data_root})
    # the test after training evaluates; no validation run before it
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    if iters is not None:
        cfg.train_cfg.max_iters = iters
        for scheduler in cfg.param_scheduler:
            scheduler['end'] = iters
        cfg.default_hooks.checkpoint.interval = iters
    # the demo's loaders have no worker processes: mmengine's serialisation
    # of the data list (and the full gc.collect() after it) only costs time
    for loader in ('train_dataloader', 'test_dataloader'):
        _no_serialisation(cfg.get(loader, {}).get('dataset'))
    if not verbose:
        cfg.log_level = 'WARNING'
    show_dir = osp.join(work_dir, 'predictions')
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='SegPredictionDumpHook', out_dir=show_dir)
    ]
    return show_dir


def _no_serialisation(dataset) -> None:
    if not isinstance(dataset, dict):
        return
    if 'data_root' in dataset:
        dataset['serialize_data'] = False
    for key in ('source', 'target', 'dataset'):
        _no_serialisation(dataset.get(key))


def _build(cfg, title: str, verbose: bool, share=None):
    from udaplug.apis import build_runner
    runner = build_runner(cfg)
    if not verbose:
        # INFO (iterations, metrics) still goes to the log file
        runner.logger.setLevel(logging.INFO)
        for handler in runner.logger.handlers:
            if isinstance(handler, logging.FileHandler):
                handler.setLevel(logging.INFO)
    runner.register_hook(ProgressHook(title), priority='VERY_LOW')
    if share is not None:
        runner.register_hook(ThreadShareHook(share), priority='VERY_HIGH')
    return runner


def _train_and_test(method: Method, cfg, work_dir: str, args, times: dict,
                    share) -> dict:
    from udaplug.apis import load_config
    if 'stages' not in cfg:
        show_dir = _prepare(cfg, work_dir, args.data_root, args.iters,
                            args.verbose)
        start = _timer()
        runner = _build(cfg, method.title, args.verbose, share)
        times['build'] = _elapsed(start)
        start = _timer()
        runner.train()
        times['train'] = _elapsed(start)
        start = _timer()
        metrics = runner.test()
        times['test'] = _elapsed(start)
        return dict(
            metrics=metrics, show_dir=show_dir, meta=_dataset_meta(runner))
    # a pipeline config: every stage as written (its datasets moved from
    # DEFAULT_DATA_ROOT to --data-root), then the last trained model on the
    # val split
    if args.iters is not None:
        raise SystemExit(
            f'demo: {method.config} is a pipeline config: its stages train '
            'for their configs\' iterations; run it without --iters')
    if osp.normpath(args.data_root) != DEFAULT_DATA_ROOT:
        cfg.data_roots = {
            **(cfg.get('data_roots') or {}), DEFAULT_DATA_ROOT: args.data_root
        }
    try:
        from udaplug.pipelines import run_pipeline
    except ImportError as err:
        raise SystemExit(f'demo: {method.config} is a pipeline config '
                         f'(stages), which needs udaplug.pipelines: {err}')
    cfg.work_dir = work_dir
    start = _timer()
    if args.verbose:
        summary = run_pipeline(cfg)
    else:
        # the stages' runners log to the console they find when they are
        # built: here a file in the work dir (their own log files as usual),
        # left open, as their loggers outlive the pipeline
        os.makedirs(work_dir, exist_ok=True)
        console = osp.join(work_dir, 'console.log')
        print(
            f'  {method.title}: running its stages (console output in '
            f'{console})',
            flush=True)
        log = open(console, 'a', buffering=1)
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            summary = run_pipeline(cfg)
    times['train'] = _elapsed(start)
    trained = [s for s in summary if 'checkpoint' in s.get('outputs', {})]
    if not trained:
        raise SystemExit(f'demo: {method.config}: no stage trained a model')
    outputs = trained[-1]['outputs']
    test_cfg = load_config(outputs['config'], args.cfg_options)
    test_cfg.load_from = outputs['checkpoint']
    show_dir = _prepare(test_cfg, osp.join(work_dir, 'test'), args.data_root,
                        None, args.verbose)
    test_cfg.train_dataloader = test_cfg.train_cfg = None
    test_cfg.optim_wrapper = test_cfg.param_scheduler = None
    start = _timer()
    runner = _build(test_cfg, method.title, args.verbose, share)
    metrics = runner.test()
    times['test'] = _elapsed(start)
    return dict(metrics=metrics, show_dir=show_dir, meta=_dataset_meta(runner))


def _dataset_meta(runner) -> dict:
    meta = runner.test_dataloader.dataset.metainfo
    return dict(classes=list(meta['classes']), palette=meta.get('palette'))


def run_method(method: Method, args, share=None) -> dict:
    """Train and test one method (in the calling process). Returns its
    target metrics, prediction folder and per-phase times. ``share``: a
    shared integer, the number of threads to use (see
    :class:`ThreadShareHook`)."""
    import torch

    from udaplug.apis import load_config
    from udaplug.utils import register_all_modules
    filter_known_warnings()
    if share is not None:
        torch.set_num_threads(int(share.value))
    register_all_modules()
    start = _timer()
    cfg = load_config(osp.join(REPO, method.config))
    if args.cfg_options:
        if 'stages' in cfg:  # settings of the trained configs
            cfg.stage_cfg_options = dict(
                cfg.get('stage_cfg_options') or {}, **args.cfg_options)
        else:
            cfg.merge_from_dict(args.cfg_options)
    times: dict = {}
    result = _train_and_test(method, cfg, osp.join(args.work_dir, method.key),
                             args, times, share)
    times['total'] = _elapsed(start)
    miou = result['metrics']['mIoU']
    print(f'  {method.title}: target mIoU {miou:.2f}', flush=True)
    return dict(
        method=method,
        miou=miou,
        metrics=result['metrics'],
        show_dir=result['show_dir'],
        meta=result['meta'],
        times=times)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _run_in_child(method: Method, args, share, conn) -> None:
    try:
        result = run_method(method, args, share)
        result['method'] = method.key  # plain data through the pipe
        conn.send(('ok', result))
    except BaseException:
        conn.send(('error', traceback.format_exc()))
    finally:
        conn.close()


def _share_cores(running: dict) -> None:
    """Spread the cores over the running methods (earliest started first),
    at most ``OMP_NUM_THREADS`` threads each if it is set (e.g. 1 on a
    machine shared with other work, where threads wait for each other)."""
    cores = _cores()
    cap = int(os.environ.get('OMP_NUM_THREADS') or cores)
    for i, (_, _, share) in enumerate(running.values()):
        threads = cores // len(running) + (1 if i < cores %
                                           len(running) else 0)
        share.value = max(1, min(cap, threads))


def run_methods(methods: List[Method], args) -> List[dict]:
    """Run every method; several at a time in forked processes, each
    sending its results back. The cores are shared among the running
    methods: one thread each while they fill the cores, more for those
    still running when others are done."""
    jobs = max(1, min(args.jobs or _cores(), len(methods)))
    if jobs == 1:
        return [run_method(m, args) for m in methods]
    ctx = get_context('fork')
    # the adapting methods (the longest) first
    pending = sorted(methods, key=lambda m: m.baseline is None)
    running, results = {}, {}
    while pending or running:
        while pending and len(running) < jobs:
            method = pending.pop(0)
            recv, send = ctx.Pipe(duplex=False)
            share = ctx.Value('i', 1, lock=False)
            # what is buffered would be written again by the child
            sys.stdout.flush()
            sys.stderr.flush()
            running[recv] = (method, None, share)
            _share_cores(running)
            process = ctx.Process(
                target=_run_in_child,
                args=(method, args, share, send),
                name=f'demo-{method.key}')
            process.start()
            send.close()
            running[recv] = (method, process, share)
        for recv in wait(list(running)):
            method, process, _ = running.pop(recv)
            try:
                status, payload = recv.recv()
            except EOFError:
                status, payload = 'error', 'the process ended without a ' \
                    'result'
            process.join()
            if status != 'ok':
                for _, other, _ in running.values():
                    other.terminate()
                raise RuntimeError(f'demo: {method.title} ({method.config}) '
                                   f'failed (exit code {process.exitcode}):'
                                   f'\n{payload}')
            payload['method'] = method
            results[method.key] = payload
        if running and not pending:
            _share_cores(running)
    return [results[m.key] for m in methods]


def _table(results: List[dict]) -> str:
    by_key = {r['method'].key: r for r in results}
    lines = [
        '| method | config | target mIoU (demo val) | vs. baseline '
        '| predictions |', '| --- | --- | --- | --- | --- |'
    ]
    for r in results:
        m = r['method']
        base = by_key.get(m.baseline)
        gain = f'{r["miou"] - base["miou"]:+.2f} vs. ' \
            f'{base["method"].title}' if base else '—'
        lines.append(f'| {m.title} | {m.config} | {r["miou"]:.2f} | {gain} '
                     f'| {r["show_dir"]} |')
    return '\n'.join(lines)


def _time_table(rows: List[tuple]) -> str:
    lines = ['| phase | CPU (s) | wall (s) |', '| --- | --- | --- |']
    lines += [
        f'| {name} | {t["cpu"]:.0f} | {t["wall"]:.0f} |' for name, t in rows
    ]
    return '\n'.join(lines)


def _cpu_now() -> float:
    """CPU seconds of this process and its finished children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main(argv=None):
    filter_known_warnings()
    args = parse_args(argv)
    if args.list:
        for m in METHODS:
            default = ' (default)' if m.key in DEFAULT_METHODS else ''
            base = f', baseline {m.baseline}' if m.baseline else ''
            print(f'{m.key}: {m.title}, {m.config}{base}{default}')
        return []
    methods = select_methods(args.methods)
    start_cpu, start_wall = _cpu_now(), time.time()
    phases = []
    start = (_cpu_now(), time.time())
    ensure_demo_data(args.data_root, args.num_source, nproc=_cores())
    phases.append(
        ('demo data',
         dict(cpu=_cpu_now() - start[0], wall=time.time() - start[1])))

    # imported once here, before the methods' processes are forked
    from udaplug.utils import register_all_modules
    register_all_modules()
    jobs = max(1, min(args.jobs or _cores(), len(methods)))
    print(f'Training {", ".join(m.title for m in methods)} '
          f'({jobs} at a time; logs in {args.work_dir}/<method>/)')
    start = (_cpu_now(), time.time())
    results = run_methods(methods, args)
    for r in results:
        for phase, t in r['times'].items():
            if phase != 'total':
                phases.append((f'{r["method"].title}: {phase}', t))
    phases.append(
        ('all methods',
         dict(cpu=_cpu_now() - start[0], wall=time.time() - start[1])))

    os.makedirs(args.work_dir, exist_ok=True)
    start = (_cpu_now(), time.time())
    from udaplug.visualization.comparison import write_comparison
    figure = osp.join(args.work_dir, 'comparison.png')
    write_comparison(
        figure,
        osp.join(args.data_root, 'cityscapes', 'leftImg8bit', 'val'),
        [(f'{r["method"].title} ({r["miou"]:.1f})', r['show_dir'])
         for r in results],
        rows=args.rows,
        **results[0]['meta'])
    phases.append(
        ('comparison.png',
         dict(cpu=_cpu_now() - start[0], wall=time.time() - start[1])))
    phases.append(
        ('whole run',
         dict(cpu=_cpu_now() - start_cpu, wall=time.time() - start_wall)))

    table = _table(results)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n\n' + _time_table(phases) + '\n')
    print('\nDemo results (embedded demo pair, target = "real" val split):')
    print(table)
    print(f'\nTime (CPU: every process of the demo; {_cores()} cores):')
    print(_time_table(phases))
    print(f'\nPredictions: {figure}')
    return results


if __name__ == '__main__':
    main()

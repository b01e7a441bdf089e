"""The demo behind ``make demo``: source-only vs AdaptSegNet on the embedded
demo domain pair.

    python tools/demo.py [--data-root data/demo] [--work-dir work_dirs/demo]
        [--iters N] [--cfg-options key=value ...]

1. writes the demo dataset (tools/make_demo_data.py) unless it is there;
2. trains configs/demo/source_only_demo.py and configs/demo/adaptsegnet_demo.py
   from the same initialisation, for the same number of iterations;
3. tests both on the demo target's val split, saving every prediction next
   to its label (``<work-dir>/<method>/predictions``);
4. prints their target mIoU as a table (also written to
   ``<work-dir>/results.md``).
"""
import argparse
import os
import os.path as osp
import time

from mmengine.config import DictAction

from udaplug.apis import build_runner, load_config, set_data_roots
from udaplug.utils import register_all_modules

HERE = osp.dirname(osp.abspath(__file__))
METHODS = (
    ('Source only', 'source_only', 'configs/demo/source_only_demo.py'),
    ('AdaptSegNet', 'adaptsegnet', 'configs/demo/adaptsegnet_demo.py'),
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', default='data/demo')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument(
        '--iters', type=int, help='training iterations (default: configs)')
    parser.add_argument(
        '--num-source',
        type=int,
        default=200,
        help='source images to generate if the data root is empty')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='settings applied to both configs, key=value')
    return parser.parse_args(argv)


def ensure_demo_data(root: str, num_source: int) -> None:
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
        quiet=True)


def run_method(config: str, work_dir: str, data_root: str, iters, options):
    cfg = load_config(osp.join(osp.dirname(HERE), config), options)
    cfg.work_dir = work_dir
    set_data_roots(cfg, {'data/demo': data_root})
    # the test after training evaluates; no validation run before it
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    if iters is not None:
        cfg.train_cfg.max_iters = iters
        for scheduler in cfg.param_scheduler:
            scheduler['end'] = iters
        cfg.default_hooks.checkpoint.interval = iters
    show_dir = osp.join(work_dir, 'predictions')
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='SegPredictionDumpHook', out_dir=show_dir)
    ]
    start = time.time()
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.test()
    return metrics, time.time() - start, show_dir


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    ensure_demo_data(args.data_root, args.num_source)
    rows = []
    for title, name, config in METHODS:
        print(f'\n=== {title}: {config} ===')
        metrics, seconds, show_dir = run_method(config,
                                                osp.join(args.work_dir,
                                                         name), args.data_root,
                                                args.iters, args.cfg_options)
        rows.append((title, config, metrics['mIoU'], seconds, show_dir))
    header = ('| method | config | target mIoU (demo val) | time (s) '
              '| predictions |')
    lines = [header, '| --- | --- | --- | --- | --- |'] + [
        f'| {title} | {config} | {miou:.2f} | {seconds:.0f} | {show} |'
        for title, config, miou, seconds, show in rows
    ]
    table = '\n'.join(lines)
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n')
    print('\nDemo results (embedded demo pair, target = "real" val split):')
    print(table)
    return rows


if __name__ == '__main__':
    main()

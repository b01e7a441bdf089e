"""Test (and evaluate) a trained model on the config's test set.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--show-dir DIR]
        [--out DIR] [--cfg-options key=value ...] [--launcher ...]
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

from udaplug.apis import build_runner, load_config, setup_launcher
from udaplug.apis.runner import local_rank_from_args
from udaplug.utils import explain_unknown_types


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a udaplug model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the dir to save logs and the metrics (json)')
    parser.add_argument(
        '--out',
        help='save the predictions as label PNGs (trainIds) in this dir, '
        'for offline evaluation')
    parser.add_argument(
        '--show-dir',
        help='save each prediction and its label, coloured with the '
        'dataset palette, in this dir')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    local_rank_from_args(args.local_rank)
    return args


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'Checkpoint file not found: {args.checkpoint}')
    cfg = load_config(args.config, args.cfg_options)
    setup_launcher(cfg, args.launcher)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.show_dir:
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='SegPredictionDumpHook', out_dir=args.show_dir)
        ]
    if args.out:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    runner = build_runner(cfg)
    with explain_unknown_types():
        return runner.test()


if __name__ == '__main__':
    main()

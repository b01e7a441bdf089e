"""Train a model from a config.

    python tools/train.py configs/adaptsegnet_gta.py [--work-dir DIR]
        [--resume] [--amp] [--cfg-options key=value ...]
        [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

from udaplug.apis import build_runner, enable_amp, load_config, setup_launcher
from udaplug.apis.runner import local_rank_from_args
from udaplug.utils import explain_unknown_types


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a udaplug model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='resume from the latest checkpoint in the work_dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision: fp16 with loss scaling on GPU, '
        'bf16 on CPU')
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
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    local_rank_from_args(args.local_rank)
    return args


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    setup_launcher(cfg, args.launcher)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        enable_amp(cfg)
    cfg.resume = args.resume
    runner = build_runner(cfg)
    with explain_unknown_types():
        runner.train()


if __name__ == '__main__':
    main()

"""Train a model from a config.

    python tools/train.py configs/adaptsegnet_gta.py [--work-dir DIR]
        [--resume] [--amp] [--cfg-options key=value ...]
        [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse

from udaplug.apis import (add_runner_args, build_runner, config_from_args,
                          enable_amp)
from udaplug.utils import explain_unknown_types
from udaplug.utils.known_warnings import filter_known_warnings


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a udaplug model')
    add_runner_args(parser)
    parser.add_argument(
        '--resume',
        action='store_true',
        help='resume from the latest checkpoint in the work_dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision: fp16 with loss scaling on GPU, '
        'bf16 on CPU')
    return parser.parse_args(argv)


def main(argv=None):
    filter_known_warnings()
    args = parse_args(argv)
    cfg = config_from_args(args)
    if args.amp:
        enable_amp(cfg)
    cfg.resume = args.resume
    runner = build_runner(cfg)
    with explain_unknown_types():
        runner.train()


if __name__ == '__main__':
    main()

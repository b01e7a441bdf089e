"""Train a model from a config, or run a pipeline config (one with
``stages=[...]``, see docs/pipelines.md) stage by stage.

    python tools/train.py configs/adaptsegnet_gta.py [--work-dir DIR]
        [--resume] [--amp] [--cfg-options key=value ...]
        [--launcher {none,pytorch,slurm,mpi}]

For a pipeline, ``--work-dir`` is the pipeline's work dir (each stage works
in a folder inside it), ``--cfg-options`` change the pipeline config (e.g.
``stage_cfg_options.train_cfg.max_iters=100`` for every train stage),
``--amp`` applies to every train stage; interrupted train stages always
resume, finished stages are skipped.
"""
import argparse

from udaplug.apis import (add_runner_args, build_runner, config_from_args,
                          enable_amp, resolve_resume)
from udaplug.pipelines import is_pipeline_config, run_pipeline
from udaplug.utils import explain_unknown_types
from udaplug.utils.known_warnings import filter_known_warnings


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a udaplug model')
    add_runner_args(parser)
    parser.add_argument(
        '--resume',
        action='store_true',
        help='resume from the checkpoint saved last in the work dir (its '
        'last_checkpoint file), also when the config sets load_from; with '
        'none there, train from the start')
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
    if is_pipeline_config(cfg):
        with explain_unknown_types():
            return run_pipeline(cfg, amp=args.amp, launcher=cfg.launcher)
    if args.amp:
        enable_amp(cfg)
    resolve_resume(cfg, args.resume)
    runner = build_runner(cfg)
    with explain_unknown_types():
        runner.train()


if __name__ == '__main__':
    main()

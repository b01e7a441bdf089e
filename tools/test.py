"""Test (and evaluate) a trained model on the config's test set.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--show-dir DIR]
        [--out DIR] [--cfg-options key=value ...] [--launcher ...]

CONFIG may be a pipeline config (docs/pipelines.md) when CHECKPOINT lies in
one of its train stages' work dirs: the stage's ``stage_config.py`` (the
config it trained) is tested; ``--cfg-options`` then change that config
(``work_dir=DIR`` names the pipeline's work dir, if not the default, for
the error listing its stages' configs).
"""
import argparse
import os.path as osp

from udaplug.apis import add_runner_args, build_runner, config_from_args
from udaplug.pipelines import model_config_path
from udaplug.utils import explain_unknown_types
from udaplug.utils.known_warnings import filter_known_warnings


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a udaplug model')
    add_runner_args(parser)
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        help='save the predictions as label PNGs (trainIds) in this dir, '
        'for offline evaluation')
    parser.add_argument(
        '--show-dir',
        help='save each prediction and its label, coloured with the '
        'dataset palette, in this dir')
    return parser.parse_args(argv)


def main(argv=None):
    filter_known_warnings()
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'Checkpoint file not found: {args.checkpoint}')
    args.config = model_config_path(args.config, args.checkpoint,
                                    args.cfg_options)
    cfg = config_from_args(args)
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

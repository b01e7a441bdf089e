"""Write pseudo-labels for the target training set with a trained model.

    python tools/pseudo_label.py CONFIG CHECKPOINT --out DIR
        [--threshold {0.9 | classwise | t1,t2,... | none}]
        [--quantile 0.5] [--cap 0.9] [--bins 65536]
        [--target-config CFG] [--batch-size N] [--num-workers N]
        [--device cpu|cuda] [--cfg-options key=value ...]

The target set is CONFIG's ``UDADataset`` target (or that of
``--target-config``), read with its training pipeline minus random
transforms. ``--threshold``: a confidence threshold (Musto & Zinelli:
0.9), one per class, ``classwise`` (BDL's per-class median confidence over
the whole set, capped at 0.9; ``--quantile``/``--cap`` change both) or
``none`` (arg-max everywhere, the default). The model predicts with its
prediction network (``predict`` mode: e.g. a mean teacher with
``--cfg-options model.predict_on=teacher``).

DIR gets ``labels/<stem>_pseudo_labelTrainIds.png`` (the target dataset's
label-file space, 255 = ignore), ``pseudo_labelled_target.py`` (the target
dataset config reading them, ``LoadAnnotations`` added to its pipeline) and
``pseudo_label_info.json``. The pipelines' ``PseudoLabelStage`` writes the
same; see :mod:`udaplug.pipelines.pseudo_label_writer`. Use them with::

    _base_ = [..., 'DIR/pseudo_labelled_target.py']
    train_dataloader = dict(dataset=dict(
        target=_base_.pseudo_labelled_target, allow_target_labels=True))

CONFIG may be a pipeline config when CHECKPOINT lies in one of its train
stages' work dirs: the ``stage_config.py`` next to it is used.
"""
import argparse
import os.path as osp

from udaplug.apis import load_config
from udaplug.models.uda.pseudo_labels import (BDL_CAP, BDL_QUANTILE,
                                              DEFAULT_BINS)
from udaplug.pipelines import model_config_path
from udaplug.pipelines.offline import add_writer_args
from udaplug.pipelines.pseudo_label_writer import (PSEUDO_LABEL_DATASET_FILE,
                                                   target_dataset_cfg,
                                                   write_pseudo_labels)
from udaplug.utils import explain_unknown_types, register_all_modules


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write pseudo-labels for the target training set')
    add_writer_args(parser)
    parser.add_argument(
        '--threshold',
        default='none',
        help='a confidence threshold (e.g. 0.9), one per class separated by '
        'commas, "classwise" (BDL) or "none" (default)')
    parser.add_argument(
        '--quantile',
        type=float,
        default=BDL_QUANTILE,
        help='classwise: the per-class order statistic (BDL: 0.5, median)')
    parser.add_argument(
        '--cap',
        type=float,
        default=BDL_CAP,
        help='classwise: upper bound of the thresholds (BDL: 0.9)')
    parser.add_argument(
        '--bins',
        type=int,
        default=DEFAULT_BINS,
        help='classwise: histogram bins (threshold precision 1/bins)')
    parser.add_argument(
        '--target-config',
        help='take the target set from this UDA config instead of CONFIG')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    args.config = model_config_path(args.config, args.checkpoint,
                                    args.cfg_options)
    cfg = load_config(args.config, args.cfg_options)
    dataset = None
    if args.target_config:
        dataset = target_dataset_cfg(
            load_config(args.target_config), what=args.target_config)
    command = (f'python tools/pseudo_label.py {args.config} '
               f'{args.checkpoint} --out {args.out} --threshold '
               f'{args.threshold}')
    with explain_unknown_types():
        info = write_pseudo_labels(
            cfg,
            args.checkpoint,
            args.out,
            dataset=dataset,
            threshold=args.threshold,
            quantile=args.quantile,
            cap=args.cap,
            bins=args.bins,
            batch_size=args.batch_size,
            num_workers=args.num_workers,
            device=args.device,
            command=command)
    print(f'Wrote pseudo-labels for {info["num_images"]} images to '
          f'{args.out} ({100 * info["kept_fraction"]:.1f}% of the pixels '
          f'labelled); dataset config: '
          f'{osp.join(args.out, PSEUDO_LABEL_DATASET_FILE)}')
    return info


if __name__ == '__main__':
    main()

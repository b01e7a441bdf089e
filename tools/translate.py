"""Translate the source training set of an input-level UDA model (e.g.
GIO-Ada) into the target style and write it as a new dataset.

    python tools/translate.py CONFIG CHECKPOINT --out DIR
        [--source-config CONFIG2] [--max-images N] [--batch-size N]
        [--num-workers N] [--device cpu|cuda] [--cfg-options key=value ...]

The source set is CONFIG's training source, or with ``--source-config``
the training source of another config (e.g. a translation stage trained on
random crops without labels, translating the source set a segmentation
stage reads). Its pipeline must load the labels (``LoadAnnotations``): the
translated set keeps them.

Layout of DIR (translated images, their labels in the source's label-file
space, depth in the source's file unit, ``translated_source.py`` with the
dataset config reading them, ``translate_info.json``): see
:mod:`udaplug.pipelines.translation`, which does the work (the pipelines'
``TranslateStage`` uses it too). Use the result in a config with::

    _base_ = [..., 'DIR/translated_source.py']
    train_dataloader = dict(dataset=dict(source=_base_.translated_source))

CONFIG may be a pipeline config when CHECKPOINT lies in one of its train
stages' work dirs: the ``stage_config.py`` next to it is used.
"""
import argparse
import os.path as osp

from udaplug.apis import load_config
from udaplug.pipelines import model_config_path
from udaplug.pipelines.offline import add_writer_args
from udaplug.pipelines.translation import (TRANSLATED_DATASET_FILE,
                                           source_dataset_cfg,
                                           translate_dataset)
from udaplug.utils import explain_unknown_types, register_all_modules


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write the source set translated by a UDA model')
    add_writer_args(parser)
    parser.add_argument(
        '--max-images',
        type=int,
        default=None,
        help='translate only the first N images')
    parser.add_argument(
        '--source-config',
        help='take the source set from this config instead of CONFIG')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    args.config = model_config_path(args.config, args.checkpoint,
                                    args.cfg_options)
    cfg = load_config(args.config, args.cfg_options)
    source = None
    command = (f'python tools/translate.py {args.config} {args.checkpoint} '
               f'--out {args.out}')
    if args.source_config:
        source = source_dataset_cfg(
            load_config(args.source_config), what=args.source_config)
        command += f' --source-config {args.source_config}'
    with explain_unknown_types():
        info = translate_dataset(
            cfg,
            args.checkpoint,
            args.out,
            source=source,
            max_images=args.max_images,
            device=args.device,
            batch_size=args.batch_size,
            num_workers=args.num_workers,
            command=command)
    print(f'Wrote {info["num_images"]} translated images to {args.out}; '
          f'dataset config: {osp.join(args.out, TRANSLATED_DATASET_FILE)}')
    return info


if __name__ == '__main__':
    main()

"""Keep a subset of the classes of a udaplug segmentation checkpoint.

    python tools/convert_models/select_classes.py IN OUT --subset synthia16
    python tools/convert_models/select_classes.py IN OUT --indices 0 1 2 ...

For the SYNTHIA -> Cityscapes configs (16 classes): checkpoints trained on
the 19 Cityscapes classes, e.g. BDL's SYNTHIA models after
tools/convert_models/adaptsegnet.py or fcn8s.py (BDL predicts all 19 train
ids and evaluates 16 or 13 of them). The classifier outputs of the DeepLab-v2
heads (aspp_convs), mmseg heads (conv_seg) and FCN-8s (score_*, upscore*)
are sliced; everything else is copied. IN must have 19 classes for a named
subset (Cityscapes order).

Subsets: synthia16 (Cityscapes without terrain, truck, train), synthia13
(also without wall, fence, pole).
"""
import argparse
import sys

import torch

from udaplug.models.utils.adaptsegnet_checkpoint import \
    CheckpointConversionError
from udaplug.models.utils.class_subset import class_indices, select_classes


def _subsets():
    from udaplug.datasets.label_sets import (CITYSCAPES_CLASSES,
                                             SYNTHIA13_CLASSES,
                                             SYNTHIA_CLASSES)
    return CITYSCAPES_CLASSES, {
        'synthia16': SYNTHIA_CLASSES,
        'synthia13': SYNTHIA13_CLASSES
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', metavar='IN')
    parser.add_argument('dst', metavar='OUT')
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--subset', choices=['synthia16', 'synthia13'])
    group.add_argument('--indices', type=int, nargs='+')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    ckpt = torch.load(args.src, map_location='cpu', weights_only=True)
    state = ckpt.get('state_dict', ckpt)
    meta = dict(ckpt.get('meta', {})) if 'state_dict' in ckpt else {}
    if args.subset:
        cityscapes, subsets = _subsets()
        names = subsets[args.subset]
        indices = class_indices(cityscapes, names)
    else:
        indices, names = args.indices, None
    try:
        state, changed = select_classes(state, indices)
    except CheckpointConversionError as err:
        print(f'error: {args.src}: {err}', file=sys.stderr)
        return 1
    meta.update(num_classes=len(indices), class_indices=indices)
    if names is not None:
        meta['dataset_meta'] = dict(classes=list(names))
    else:
        meta.pop('dataset_meta', None)
    torch.save(dict(meta=meta, state_dict=state), args.dst)
    print(f'kept classes {indices} in {len(changed)} classifier tensors; '
          f'saved {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

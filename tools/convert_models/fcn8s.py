"""Convert FCN-8s VGG-16 checkpoints of BDL (liyunsheng13/BDL,
``model/fcn8s.py``; also wkentaro/pytorch-fcn's ``FCN8s``) to udaplug.

    python tools/convert_models/fcn8s.py IN OUT [--prefix segmentor.]
        [--unsafe-load]

IN: e.g. BDL's "initial weights of GTA5 for VGG16-FCN" or its adapted
GTA5_VGG / SYNTHIA_VGG models (keys conv1_1 ... conv5_3, fc6, fc7,
score_fr, score_pool3, score_pool4, upscore2, upscore_pool4, upscore8).
OUT: an mmengine checkpoint with keys "<prefix>backbone.features.*",
"<prefix>backbone.fc6/fc7.*" and "<prefix>decode_head.*" for a segmentor
with FCNVGG + FCN8sHead (default prefix "segmentor.", udaplug's UDA models;
"" for a plain mmseg EncoderDecoder). Unknown or missing keys are errors
that list them.
"""
import argparse
import sys

from udaplug.models.utils.adaptsegnet_checkpoint import (
    DEFAULT_PREFIX, CheckpointConversionError)
from udaplug.models.utils.fcn8s_checkpoint import convert_fcn8s_checkpoint


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert a BDL FCN-8s VGG-16 checkpoint to udaplug')
    parser.add_argument('src', metavar='IN', help='FCN-8s checkpoint')
    parser.add_argument('dst', metavar='OUT', help='output checkpoint')
    parser.add_argument(
        '--prefix',
        default=DEFAULT_PREFIX,
        help='prefix of the output keys (default: "segmentor.")')
    parser.add_argument(
        '--unsafe-load',
        action='store_true',
        help='read IN with torch.load(weights_only=False); only for files '
        'you trust that the safe loader refuses')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        meta = convert_fcn8s_checkpoint(
            args.src,
            args.dst,
            prefix=args.prefix,
            weights_only=not args.unsafe_load)
    except CheckpointConversionError as err:
        print(f'error: cannot convert {args.src}: {err}', file=sys.stderr)
        return 1
    print(f'source: {meta["converted_from"]} - {meta["description"]}')
    print(f'classes: {meta["num_classes"]}, conv1 channels: '
          f'{meta["base_channels"]}, fc channels: {meta["fc_channels"]}')
    print(f'saved {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Convert official AdaptSegNet / DeepLab-v2 checkpoints to udaplug.

    python tools/convert_models/adaptsegnet.py IN OUT [--num-classes N]
        [--prefix segmentor.] [--depth 101] [--unsafe-load]

IN is one of
  * the AdaptSegNet multi-level model (GTA2Cityscapes_multi-ed35115c.pth):
    backbone + layer5 (auxiliary classifier) + layer6 (main classifier);
  * a single-level DeepLab-v2 model: backbone + layer5 (main classifier);
  * the DeepLab-v2 init (DeepLab_resnet_pretrained_init-f81d91e8.pth, keys
    prefixed "Scale."): converted to the backbone only, its classifier is
    dropped (as the official training does).

OUT is an mmengine checkpoint {'meta': ..., 'state_dict': ...} with keys
"<prefix>backbone.*", "<prefix>decode_head.aspp_convs.*" and
"<prefix>auxiliary_head.aspp_convs.*". The default prefix "segmentor." fits
udaplug's UDA models; --prefix '' gives a plain mmseg EncoderDecoder
checkpoint. Use DeepLabV2Head(num_summed_branches=2) to get the official
outputs. Unknown or missing keys are errors that list them.
"""
import argparse
import sys

from udaplug.models.utils.adaptsegnet_checkpoint import (
    DEFAULT_PREFIX, CheckpointConversionError, convert_checkpoint, summary)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert an official AdaptSegNet/DeepLab-v2 checkpoint '
        'to a udaplug checkpoint')
    parser.add_argument('src', metavar='IN', help='official checkpoint')
    parser.add_argument('dst', metavar='OUT', help='output checkpoint')
    parser.add_argument(
        '--num-classes',
        type=int,
        default=None,
        help='expected number of classes (e.g. 19); by default taken from '
        'the classifiers; a mismatch is an error')
    parser.add_argument(
        '--prefix',
        default=DEFAULT_PREFIX,
        help='prefix of the output keys (default: "segmentor.", the '
        'segmentation network of a udaplug UDA model; "" for a plain '
        'mmseg EncoderDecoder)')
    parser.add_argument(
        '--depth',
        type=int,
        default=None,
        help='ResNet depth (default: inferred from the blocks per stage)')
    parser.add_argument(
        '--unsafe-load',
        action='store_true',
        help='read IN with torch.load(weights_only=False); only for files '
        'you trust that the safe loader refuses')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        meta = convert_checkpoint(
            args.src,
            args.dst,
            num_classes=args.num_classes,
            prefix=args.prefix,
            depth=args.depth,
            weights_only=not args.unsafe_load)
    except CheckpointConversionError as err:
        print(f'error: cannot convert {args.src}: {err}', file=sys.stderr)
        return 1
    for line in summary(meta):
        print(line)
    print(f'saved {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Write the embedded demo domain pair: a procedural synthetic source
(GTA5- and SYNTHIA-style, with depth) and a "real-looking" target
(Cityscapes-style), in the datasets' real on-disk formats, then run the
converters.

    python tools/make_demo_data.py [--out data/demo] [--seed 0]
        [--num 200] [--num-target-train 100] [--num-target-val 50]
        [--size 256 128] [--nproc 2] [--preview]

See docs/datasets.md ("Demo data") for the layout.
"""
import argparse
import time

from udaplug.datasets.demo import (DEFAULT_SIZE, TARGET_STYLES, make_demo_data,
                                   write_preview)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default='data/demo', help='output folder')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--num', type=int, default=200, help='number of source images')
    parser.add_argument(
        '--num-target-train',
        type=int,
        default=100,
        help='number of target training images (labels only for reference)')
    parser.add_argument(
        '--num-target-val',
        type=int,
        default=50,
        help='number of target validation images')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=list(DEFAULT_SIZE),
        metavar=('WIDTH', 'HEIGHT'),
        help='image size')
    parser.add_argument(
        '--target-style',
        default='cityscapes',
        choices=sorted(TARGET_STYLES),
        help='the target domain\'s look: cityscapes (the demo pair) or dusk '
        '(the same scenes in other light, a second pair to check that a '
        'method is not fitted to the first); written in Cityscapes\' '
        'layout either way')
    parser.add_argument(
        '--nproc', type=int, default=2, help='number of processes')
    parser.add_argument(
        '--preview',
        action='store_true',
        help='also write OUT/preview.png (source | target side by side)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    info = make_demo_data(
        args.out,
        seed=args.seed,
        num_source=args.num,
        num_target_train=args.num_target_train,
        num_target_val=args.num_target_val,
        size=tuple(args.size),
        nproc=args.nproc,
        target_style=args.target_style)
    print(f'\ndemo data in {args.out}: {info["num_source"]} source, '
          f'{info["num_target_train"]} target train, '
          f'{info["num_target_val"]} target val images of '
          f'{args.size[0]}x{args.size[1]} ({time.time() - start:.1f} s)')
    if args.preview:
        print(f'preview: {write_preview(args.out)}')


if __name__ == '__main__':
    main()

"""Convert an ImageNet MobileNet-v2 checkpoint for udaplug's MobileNet-v2
segmentors (mmseg's ``MobileNetV2`` backbone).

    python tools/convert_models/mobilenet_v2.py IN OUT [--prefix backbone.]

IN is torchvision's ImageNet checkpoint (``mobilenet_v2-b0353104.pth``,
https://download.pytorch.org/models/mobilenet_v2-b0353104.pth, or
``mobilenet_v2-7ebf99e0.pth``) or mmpretrain's
(``mobilenet_v2_batch256_imagenet_20200708-3b2dc3af.pth``,
https://download.openmmlab.com/mmclassification/v0/mobilenet_v2/). OUT is an
mmengine checkpoint whose keys are ``backbone.conv1.*``,
``backbone.layerN.*``: the configs load it with
``init_cfg=dict(type='Pretrained', checkpoint=OUT, prefix='backbone.')``
(configs/_base_/models/cyclefeat_deeplabv3plus_mnv2.py expects
``checkpoints/mobilenet_v2_imagenet.pth``). mmpretrain's file also loads
as it is; converting it only drops its classifier.
"""
import argparse
import os
import os.path as osp
import sys

import torch

from udaplug.models.utils.mobilenet_v2_checkpoint import (
    MobileNetV2ConversionError, convert_mobilenet_v2, load_state_dict)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert an ImageNet MobileNet-v2 checkpoint '
        '(torchvision or mmpretrain) to mmseg MobileNetV2 keys')
    parser.add_argument('src', metavar='IN', help='ImageNet checkpoint')
    parser.add_argument('dst', metavar='OUT', help='output checkpoint')
    parser.add_argument(
        '--prefix',
        default='backbone.',
        help='prefix of the output keys (default: "backbone.")')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        state_dict, info = convert_mobilenet_v2(
            load_state_dict(args.src), prefix=args.prefix)
    except (MobileNetV2ConversionError, OSError) as err:
        print(f'error: cannot convert {args.src}: {err}', file=sys.stderr)
        return 1
    if osp.dirname(args.dst):
        os.makedirs(osp.dirname(args.dst), exist_ok=True)
    torch.save(
        dict(
            meta=dict(source=args.src, layout=info['source']),
            state_dict=state_dict), args.dst)
    print(f'{info["source"]} MobileNet-v2: {info["converted"]} tensors '
          f'converted, {info["dropped"]} dropped (1280-channel conv and '
          f'classifier); saved {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

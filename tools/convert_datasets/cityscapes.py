"""Cityscapes: write gtFine/<split>/<city>/*_gtFine_labelTrainIds.png (19
train ids) from *_gtFine_labelIds.png.

    python tools/convert_datasets/cityscapes.py DATA_ROOT [--nproc N]

Also writes DATA_ROOT/*_class_stats.json (pixels per train id of each image)
and ends with a report of every unreadable file and every file with label
values outside the map; the exit code is 1 if there is any.
"""
import sys

from udaplug.datasets.converters import main

if __name__ == '__main__':
    sys.exit(main('cityscapes'))

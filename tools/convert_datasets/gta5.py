"""GTA5: write labels/NNNNN_labelTrainIds.png (19 Cityscapes train ids)
from the Cityscapes label ids in labels/NNNNN.png (8-bit palette PNGs as
released: the palette index is the label id; 8-bit grey id images work
too).

    python tools/convert_datasets/gta5.py DATA_ROOT [--nproc N]

Also writes DATA_ROOT/*_class_stats.json (pixels per train id of each image)
and ends with a report of every unreadable file, every file with label
values outside the map and every palette whose colours are not the
Cityscapes colours of its ids; the exit code is 1 if there is any.
"""
import sys

from udaplug.datasets.converters import main

if __name__ == '__main__':
    sys.exit(main('gta5'))

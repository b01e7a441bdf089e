"""SYNTHIA-RAND-CITYSCAPES: write GT/LABELS/<name>_labelTrainIds.png (the
16-class train ids 0..15, class id read from the R channel) and
Depth/Depth/<name>_depth_cm.png (single-channel 16-bit, centimetres).

    python tools/convert_datasets/synthia.py DATA_ROOT [--nproc N]

Also writes DATA_ROOT/*_class_stats.json (pixels per train id of each image)
and ends with a report of every unreadable file and every file with label
values outside the map; the exit code is 1 if there is any.
"""
import sys

from udaplug.datasets.converters import main

if __name__ == '__main__':
    sys.exit(main('synthia'))

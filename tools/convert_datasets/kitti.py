"""KITTI semantics: write training/semantic/*_labelTrainIds.png (19
Cityscapes train ids; KittiSegDataset selects the 10-class set).

    python tools/convert_datasets/kitti.py DATA_ROOT [--nproc N]

Also writes DATA_ROOT/*_class_stats.json (pixels per train id of each image)
and ends with a report of every unreadable file and every file with label
values outside the map; the exit code is 1 if there is any.
"""
import sys

from udaplug.datasets.converters import main

if __name__ == '__main__':
    sys.exit(main('kitti'))

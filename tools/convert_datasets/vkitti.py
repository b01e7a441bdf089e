"""Virtual KITTI 1.3.1: write vkitti_1.3.1_scenegt/<world>/<variation>/
<frame>_labelTrainIds.png (GIO-Ada's 10 classes) from the colour class images
and their colour tables; the depth maps (16-bit cm) are used as shipped and
only checked.

    python tools/convert_datasets/vkitti.py DATA_ROOT [--nproc N]

Also writes DATA_ROOT/*_class_stats.json (pixels per train id of each image)
and ends with a report of every unreadable file and every file with label
values outside the map; the exit code is 1 if there is any.
"""
import sys

from udaplug.datasets.converters import main

if __name__ == '__main__':
    sys.exit(main('vkitti'))

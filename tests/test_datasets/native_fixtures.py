"""Tiny datasets in their native on-disk formats, written with plain
OpenCV / numpy (independent of udaplug's own writers)."""
import os
import os.path as osp

import cv2
import numpy as np


def write(path, array):
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, array), path
    return path


def rgb(h=8, w=12, seed=0):
    return np.random.default_rng(seed).integers(
        0, 255, (h, w, 3), dtype=np.uint8)


def truncate(path):
    """Cut a file in half (a truncated download)."""
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])


def id_label(h=8, w=12):
    """A label-id map holding Cityscapes ids 7 (road), 26 (car), 0
    (unlabeled) and 23 (sky) in four column blocks."""
    lab = np.zeros((h, w), np.uint8)
    lab[:, :3] = 7
    lab[:, 3:6] = 26
    lab[:, 6:9] = 0
    lab[:, 9:] = 23
    return lab


#: train ids of :func:`id_label` per column block (19-class set)
ID_LABEL_TRAIN_IDS = (0, 13, 255, 10)


def make_gta5(root, n=2, h=8, w=12, converted=True):
    for i in range(1, n + 1):
        write(osp.join(root, 'images', f'{i:05d}.png'), rgb(h, w, i))
        lab = id_label(h, w)
        write(osp.join(root, 'labels', f'{i:05d}.png'), lab)
        if converted:
            lut = np.full(256, 255, np.uint8)
            lut[[7, 26, 23]] = [0, 13, 10]
            write(
                osp.join(root, 'labels', f'{i:05d}_labelTrainIds.png'),
                lut[lab])
    return root


def make_cityscapes(root,
                    splits=('train', 'val'),
                    n=2,
                    h=8,
                    w=12,
                    city='aachen',
                    converted=True):
    for split in splits:
        for i in range(n):
            stem = f'{city}_000000_{i:06d}'
            write(
                osp.join(root, 'leftImg8bit', split, city,
                         f'{stem}_leftImg8bit.png'), rgb(h, w, i))
            lab = id_label(h, w)
            write(
                osp.join(root, 'gtFine', split, city,
                         f'{stem}_gtFine_labelIds.png'), lab)
            if converted:
                lut = np.full(256, 255, np.uint8)
                lut[[7, 26, 23]] = [0, 13, 10]
                write(
                    osp.join(root, 'gtFine', split, city,
                             f'{stem}_gtFine_labelTrainIds.png'), lut[lab])
    return root


def synthia_label(h=8, w=12, instance=500):
    """A 16-bit SYNTHIA label (BGR order): class id in R (index 2) - ids
    3 road, 8 car, 16 terrain, 1 sky per column block - instance ids in G."""
    lab = np.zeros((h, w, 3), np.uint16)
    cls = np.zeros((h, w), np.uint16)
    cls[:, :3] = 3
    cls[:, 3:6] = 8
    cls[:, 6:9] = 16
    cls[:, 9:] = 1
    lab[..., 2] = cls
    lab[:, 3:6, 1] = instance
    return lab


#: 16-class train ids of :func:`synthia_label` per column block
SYNTHIA_LABEL_TRAIN_IDS = (0, 12, 255, 9)


def synthia_depth(h=8, w=12):
    """A 3-channel 16-bit depth map with identical channels (cm)."""
    d = (np.arange(h * w, dtype=np.uint16).reshape(h, w) * 10 + 100)
    return np.repeat(d[..., None], 3, axis=2)


def make_synthia(root, n=2, h=8, w=12):
    for i in range(n):
        name = f'{i:07d}.png'
        write(osp.join(root, 'RGB', name), rgb(h, w, i))
        write(osp.join(root, 'GT', 'LABELS', name), synthia_label(h, w))
        write(osp.join(root, 'Depth', 'Depth', name), synthia_depth(h, w))
    return root


VKITTI_ENCODING = """Category(:id) r g b
Terrain 210 0 200
Sky 90 200 255
Tree 0 199 0
Vegetation 90 240 0
Building 140 140 140
Road 100 60 100
GuardRail 255 100 255
TrafficSign 255 255 0
TrafficLight 200 200 0
Pole 255 130 0
Misc 80 80 80
Truck 160 60 60
Car:0 200 100 50
Car:1 10 20 30
Van:0 230 208 202
"""


def vkitti_label(h=8, w=12):
    """An RGB class image: Road | Car:0 | Car:1 | Van:0 | Tree | GuardRail
    in column pairs (returned in RGB order)."""
    colours = [(100, 60, 100), (200, 100, 50), (10, 20, 30), (230, 208, 202),
               (0, 199, 0), (255, 100, 255)]
    img = np.zeros((h, w, 3), np.uint8)
    for k, c in enumerate(colours):
        img[:, 2 * k:2 * k + 2] = c
    return img


#: 10-class train ids of :func:`vkitti_label` per column pair
VKITTI_LABEL_TRAIN_IDS = (0, 8, 8, 8, 5, 255)


def make_vkitti(root,
                worlds=('0001', '0002'),
                variations=('clone', 'fog'),
                frames=2,
                h=8,
                w=12):
    for world in worlds:
        for var in variations:
            gt = osp.join(root, 'vkitti_1.3.1_scenegt')
            os.makedirs(gt, exist_ok=True)
            with open(
                    osp.join(gt, f'{world}_{var}_scenegt_rgb_encoding.txt'),
                    'w') as f:
                f.write(VKITTI_ENCODING)
            for i in range(frames):
                name = f'{i:05d}.png'
                write(
                    osp.join(root, 'vkitti_1.3.1_rgb', world, var, name),
                    rgb(h, w, i))
                write(
                    osp.join(gt, world, var, name),
                    vkitti_label(h, w)[..., ::-1].copy())
                depth = np.full((h, w), 1000 + i, np.uint16)
                depth[0] = 65535  # sky at the far limit
                write(
                    osp.join(root, 'vkitti_1.3.1_depthgt', world, var, name),
                    depth)
    return root


def make_kitti(root, n=2, h=8, w=12):
    for i in range(n):
        name = f'{i:06d}_10.png'
        write(osp.join(root, 'training', 'image_2', name), rgb(h, w, i))
        write(osp.join(root, 'training', 'semantic', name), id_label(h, w))
        write(osp.join(root, 'testing', 'image_2', name), rgb(h, w, 10 + i))
    return root


def make_synscapes(root, n=2, h=8, w=12):
    for i in range(1, n + 1):
        write(osp.join(root, 'img', 'rgb', f'{i}.png'), rgb(h, w, i))
        write(osp.join(root, 'img', 'class', f'{i}.png'), id_label(h, w))
    return root

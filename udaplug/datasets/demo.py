"""A procedural street-scene generator: a small synthetic -> real domain pair
stored in the real on-disk formats of GTA5, SYNTHIA and Cityscapes.

Every scene is sampled from one distribution of street layouts (a straight
street with road, sidewalks, grass verges, façades of buildings, walls,
fences and hedges, a far end, poles with signs and traffic lights, trees,
cars, trucks, buses, pedestrians and cyclists) and rendered with a pinhole
camera, so the horizon, the road trapezoid and the shrinking of far objects
follow perspective. The two domains share the scene statistics but not the
look:

* source ("synthetic"): flat saturated colours, crisp aliased edges, even
  lighting, camera 1.6 m above the road, horizon at ~42 % of the height;
* target ("real"): a different, muted palette, texture grain and blotches,
  cast shadows, a lighting gradient, vignetting, blur, sensor noise, gamma,
  the ego vehicle's bonnet at the bottom (label: ego vehicle, ignored) and a
  lower camera (1.25 m) with the horizon at ~50 %.

Files written under ``out`` (see :func:`make_demo_data`)::

    gta5/images/00001.png
    gta5/labels/00001.png              Cityscapes label ids, 8-bit palette
                                       PNG with Cityscapes' colours (as
                                       GTA5 releases its labels)
    synthia/RGB/0000000.png
    synthia/GT/LABELS/0000000.png      16-bit, R = SYNTHIA class id,
                                       G = instance id (0 for stuff)
    synthia/Depth/Depth/0000000.png    16-bit, 3 equal channels, cm
    cityscapes/leftImg8bit/{train,val}/<city>/
        <city>_000000_NNNNNN_leftImg8bit.png
    cityscapes/gtFine/{train,val}/<city>/
        <city>_000000_NNNNNN_gtFine_labelIds.png

and then the converters' ``*_labelTrainIds.png`` / ``*_depth_cm.png`` and
class statistics. The GTA5 and SYNTHIA folders hold the same source scenes.
"""
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from .converters import (convert_cityscapes, convert_gta5, convert_synthia,
                         run_tasks, write_palette_png, write_png)
from .label_sets import (CITYSCAPES_CLASSES, CITYSCAPES_ID_COLOURS,
                         CITYSCAPES_NAME_TO_ID, IGNORE_INDEX, SYNTHIA_ID_NAMES)

#: Depth of the sky and the cap of all depths in the demo data (cm).
DEMO_MAX_DEPTH_CM = 10000
#: ``depth_range`` of the demo's depth maps for ``LoadDepthFromFile`` (cm).
DEMO_DEPTH_RANGE = (0, DEMO_MAX_DEPTH_CM)
DEMO_CITIES = dict(train='demoville', val='demoburg')
DEFAULT_SIZE = (256, 128)  # (width, height)
EGO_VEHICLE = 'ego vehicle'
LANE_MARKING = 'lanemarking'

_C = {name: i for i, name in enumerate(CITYSCAPES_CLASSES)}
_SYNTHIA_ID = {name: i for i, name in SYNTHIA_ID_NAMES.items()}
_CS_TO_SYNTHIA = {
    'person': 'pedestrian',
}


@dataclass
class DomainStyle:
    """How one domain looks and where its camera is."""
    name: str
    camera_height: Tuple[float, float]  # metres, uniform range
    horizon: Tuple[float, float]  # fraction of the image height
    palette: Dict[str, Tuple[int, int, int]]
    grain: float = 0.0  # std of per-pixel multiplicative texture
    blotches: float = 0.0  # std of low-frequency texture
    shadows: int = 0  # max number of cast shadows on the ground
    light_gradient: float = 0.0
    vignette: float = 0.0
    blur: float = 0.0  # Gaussian sigma in pixels (at 256 px width)
    noise: float = 0.0  # sensor noise std (0..1 scale)
    gamma: Tuple[float, float] = (1.0, 1.0)
    ego_hood: bool = False


SOURCE_STYLE = DomainStyle(
    name='synthetic',
    camera_height=(1.45, 1.75),
    horizon=(0.37, 0.47),
    palette=dict(
        road=(88, 86, 96),
        marking=(235, 235, 225),
        sidewalk=(196, 150, 176),
        building=(172, 128, 96),
        wall=(190, 184, 150),
        fence=(140, 100, 60),
        pole=(150, 150, 160),
        light=(30, 30, 30),
        sign=(245, 205, 20),
        vegetation=(50, 170, 40),
        terrain=(150, 210, 90),
        sky=(90, 160, 245),
        person=(200, 40, 50),
        rider=(230, 90, 20),
        car=(40, 60, 200),
        truck=(60, 140, 160),
        bus=(230, 180, 40),
        bicycle=(150, 20, 60),
        window=(60, 90, 140)),
    light_gradient=0.03)

TARGET_STYLE = DomainStyle(
    name='real',
    camera_height=(1.15, 1.35),
    horizon=(0.45, 0.55),
    palette=dict(
        road=(105, 103, 100),
        marking=(210, 210, 200),
        sidewalk=(160, 152, 156),
        building=(140, 125, 118),
        wall=(165, 160, 140),
        fence=(125, 105, 80),
        pole=(130, 130, 135),
        light=(45, 45, 45),
        sign=(215, 190, 70),
        vegetation=(75, 115, 55),
        terrain=(140, 170, 100),
        sky=(165, 185, 205),
        person=(150, 60, 70),
        rider=(180, 100, 60),
        car=(70, 80, 160),
        truck=(80, 125, 135),
        bus=(190, 160, 80),
        bicycle=(120, 50, 70),
        window=(70, 85, 110)),
    grain=0.05,
    blotches=0.06,
    shadows=2,
    light_gradient=0.12,
    vignette=0.2,
    blur=0.6,
    noise=0.015,
    gamma=(0.85, 1.15),
    ego_hood=True)


# -- scene sampling (shared by both domains) -------------------------------
def _segments(rng: np.random.Generator) -> List[tuple]:
    """Façade segments along one side: (z0, z1, kind, height, shade)."""
    segs, z = [], float(rng.uniform(0.0, 6.0))
    kinds = ['building', 'vegetation', 'wall', 'fence', 'gap']
    probs = [0.58, 0.16, 0.1, 0.1, 0.06]
    while z < 400:
        kind = kinds[rng.choice(len(kinds), p=probs)]
        length = float(
            rng.uniform(8, 30) if kind == 'building' else rng.uniform(5, 15))
        height = dict(
            building=rng.uniform(7, 28),
            vegetation=rng.uniform(2, 9),
            wall=rng.uniform(1.0, 2.5),
            fence=rng.uniform(1.0, 2.0),
            gap=0.0)[kind]
        segs.append(
            (z, z + length, kind, float(height), float(rng.uniform(0.75,
                                                                   1.2))))
        z += length
    return segs


def sample_scene(rng: np.random.Generator) -> dict:
    """World layout of one street (metres; X right, Z forward)."""
    scene = dict(
        road=(float(rng.uniform(3.0, 8.0)), float(rng.uniform(3.0, 8.0))),
        sidewalk=(float(rng.uniform(1.5, 4.0)), float(rng.uniform(1.5, 4.0))),
        verge=tuple(
            float(rng.uniform(0.5, 4.0)) if rng.random() < 0.5 else 0.0
            for _ in range(2)),
        segments=(_segments(rng), _segments(rng)),
        far_end=(float(rng.uniform(70, 160)),
                 float(rng.uniform(8, 30)) if rng.random() < 0.7 else 0.0,
                 'building' if rng.random() < 0.7 else 'vegetation'),
        yaw_px=float(rng.uniform(-0.08, 0.08)),
        sky_shade=float(rng.uniform(0.9, 1.1)),
    )
    road_l, road_r = scene['road']
    objects = []

    def add(**obj):
        obj.setdefault('inst', 0)
        objects.append(obj)

    inst = 1
    for side in (-1, 1):
        edge = road_r if side > 0 else road_l
        sw = scene['sidewalk'][1 if side > 0 else 0]
        # poles with signs and traffic lights
        z = float(rng.uniform(6, 16))
        while z < 90:
            x = side * (edge + 0.35)
            height = float(rng.uniform(4.0, 7.5))
            add(cls='pole',
                X=x,
                Z=z,
                w=float(rng.uniform(0.15, 0.28)),
                h=height,
                y0=0.0,
                shape='rect')
            r = rng.random()
            if r < 0.4:
                size = float(rng.uniform(0.55, 0.9))
                add(cls='traffic sign',
                    X=x - side * 0.1,
                    Z=z - 0.05,
                    w=size,
                    h=size,
                    y0=float(rng.uniform(2.0, height - size)),
                    shape=str(rng.choice(['rect', 'circle', 'triangle'])))
            elif r < 0.62:
                add(cls='traffic light',
                    X=x - side * 0.5,
                    Z=z - 0.05,
                    w=0.4,
                    h=1.0,
                    y0=min(height - 1.0, 4.0),
                    shape='light')
                add(cls='pole',
                    X=x - side * 0.25,
                    Z=z - 0.02,
                    w=0.5,
                    h=0.12,
                    y0=min(height - 1.0, 4.0) + 0.7,
                    shape='rect')
            z += float(rng.uniform(12, 30))
        # trees on the outer sidewalk / verge
        if rng.random() < 0.65:
            z = float(rng.uniform(4, 14))
            while z < 80:
                x = side * (
                    edge + sw + scene['verge'][1 if side > 0 else 0] * 0.5 -
                    0.4)
                add(cls='vegetation',
                    X=x,
                    Z=z,
                    w=float(rng.uniform(2.5, 5)),
                    h=float(rng.uniform(4.5, 8.0)),
                    y0=0.0,
                    shape='tree')
                z += float(rng.uniform(7, 20))
        # pedestrians
        for _ in range(int(rng.integers(0, 4))):
            add(cls='person',
                X=side * (edge + float(rng.uniform(0.4, sw))),
                Z=float(rng.uniform(4, 30)),
                w=float(rng.uniform(0.45, 0.6)),
                h=float(rng.uniform(1.55, 1.9)),
                y0=0.0,
                shape='person',
                inst=inst,
                colour=int(rng.integers(0, 6)))
            inst += 1
    # vehicles on the road
    lanes = np.arange(-road_l + 1.6, road_r - 1.5, 3.2)
    if len(lanes) == 0:
        lanes = np.array([0.0])
    for _ in range(int(rng.integers(0, 7))):
        kind = rng.choice(['car', 'truck', 'bus'], p=[0.84, 0.1, 0.06])
        w, h = dict(car=(1.8, 1.5), truck=(2.5, 3.4), bus=(2.6, 3.2))[kind]
        add(cls=str(kind),
            X=float(rng.choice(lanes) + rng.uniform(-0.3, 0.3)),
            Z=float(rng.uniform(5, 45)),
            w=w * float(rng.uniform(0.9, 1.1)),
            h=h * float(rng.uniform(0.9, 1.1)),
            y0=0.0,
            shape=str(kind),
            inst=inst,
            colour=int(rng.integers(0, 6)))
        inst += 1
    if rng.random() < 0.25:
        side = rng.choice([-1, 1])
        edge = road_r if side > 0 else road_l
        add(cls='bicycle',
            X=float(side * (edge - 0.6)),
            Z=float(rng.uniform(6, 35)),
            w=0.6,
            h=1.0,
            y0=0.0,
            shape='bicycle',
            inst=inst,
            colour=int(rng.integers(0, 6)))
        inst += 1
    scene['objects'] = objects
    return scene


# -- rendering -------------------------------------------------------------
def _shift_colour(rgb, k: float, rng: np.random.Generator, spread=0.12):
    base = np.asarray(rgb, np.float32) / 255.0
    return np.clip(base * k * (1 + rng.normal(0, spread, 3)), 0, 1)


class _Canvas:
    """Label / depth / colour buffers with a depth test."""

    def __init__(self, height: int, width: int) -> None:
        self.label = np.full((height, width), _C['sky'], np.uint8)
        self.depth = np.full((height, width), np.inf, np.float32)
        self.rgb = np.zeros((height, width, 3), np.float32)
        self.inst = np.zeros((height, width), np.uint16)
        self.marking = np.zeros((height, width), bool)

    def paint(self,
              mask,
              cls: str,
              z: float,
              colour,
              inst: int = 0,
              detail=None) -> np.ndarray:
        m = mask & (z < self.depth)
        self.label[m] = _C[cls]
        self.depth[m] = z
        self.rgb[m] = colour
        if detail is not None:
            dm = m & detail[0]
            self.rgb[dm] = detail[1]
        self.inst[m] = inst
        self.marking[m] = False
        return m


def _render(scene: dict, style: DomainStyle, rng: np.random.Generator,
            size: Tuple[int, int]) -> dict:
    width, height = size
    pal = style.palette
    f = 0.9 * width
    hc = float(rng.uniform(*style.camera_height))
    yh = float(rng.uniform(*style.horizon)) * height
    vx = width / 2 + scene['yaw_px'] * width
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32) + 0.5
    dy = ys - yh
    canvas = _Canvas(height, width)
    road_l, road_r = scene['road']
    sw_l, sw_r = scene['sidewalk']
    vg_l, vg_r = scene['verge']

    # sky: a vertical gradient
    t = np.clip(ys / max(yh, 1.0), 0, 1)[..., None]
    sky = np.asarray(pal['sky'], np.float32) / 255 * scene['sky_shade']
    canvas.rgb[:] = np.clip(sky * (0.8 + 0.25 * t), 0, 1)
    canvas.depth[:] = np.inf

    # ground plane
    with np.errstate(divide='ignore'):
        zg = np.where(dy > 0, f * hc / np.maximum(dy, 1e-3), np.inf)
    xg = (xs - vx) * np.where(np.isfinite(zg), zg, 0) / f
    ground = np.isfinite(zg)
    road = ground & (xg >= -road_l) & (xg <= road_r)
    side = ground & ~road & (xg >= -road_l - sw_l) & (xg <= road_r + sw_r)
    verge = ground & ~road & ~side
    for mask, cls, key in ((road, 'road', 'road'),
                           (side, 'sidewalk', 'sidewalk'), (verge, 'terrain',
                                                            'terrain')):
        canvas.label[mask] = _C[cls]
        canvas.depth[mask] = zg[mask]
        canvas.rgb[mask] = np.asarray(pal[key], np.float32) / 255
    # dashed lane markings between lanes
    marks = np.zeros_like(road)
    zg_finite = np.where(ground, zg, 0)
    for xm in np.arange(-road_l + 3.2, road_r - 1.0, 3.2):
        marks |= road & (np.abs(xg - xm) < 0.09) & \
            (np.mod(zg_finite, 9.0) < 4.0)
    canvas.rgb[marks] = np.asarray(pal['marking'], np.float32) / 255
    canvas.marking = marks.copy()

    # façades, walls, fences and hedges on both sides
    for sgn, xf, segs in ((-1, road_l + sw_l + vg_l, scene['segments'][0]),
                          (1, road_r + sw_r + vg_r, scene['segments'][1])):
        half = (xs < vx) if sgn < 0 else (xs > vx)
        with np.errstate(divide='ignore'):
            zf = np.where(half, f * xf / np.maximum(np.abs(xs - vx), 1e-3),
                          np.inf)
        yw = hc - dy * zf / f
        bounds = np.array([s[1] for s in segs])
        idx = np.clip(np.searchsorted(bounds, zf), 0, len(segs) - 1)
        tops = np.array([s[3] for s in segs])[idx]
        seg_label = np.array(
            [_C[s[2]] if s[2] != 'gap' else IGNORE_INDEX for s in segs])
        light = np.array([s[4] for s in segs]) * (0.85 if sgn < 0 else 1.0)
        seg_rgb = np.stack([
            _shift_colour(pal[s[2] if s[2] != 'gap' else 'wall'], k, rng)
            for s, k in zip(segs, light)
        ])
        seg_win = np.stack(
            [_shift_colour(pal['window'], k, rng, 0.05) for k in light])
        z0 = np.array([s[0] for s in segs])
        hit = half & (yw >= 0) & (yw <= tops) & (zf < canvas.depth) & \
            (seg_label[idx] != IGNORE_INDEX)
        k = idx[hit]
        canvas.label[hit] = seg_label[k]
        canvas.depth[hit] = zf[hit]
        canvas.rgb[hit] = seg_rgb[k]
        zh, yh_w = zf[hit], yw[hit]
        # a grid of windows on buildings, vertical boards on fences
        win = (seg_label[k] == _C['building']) & \
            (np.mod(zh - z0[k], 3.0) > 1.2) & (np.mod(yh_w, 3.2) > 1.1) & \
            (np.mod(yh_w, 3.2) < 2.5) & (yh_w > 2.5)
        bars = (seg_label[k] == _C['fence']) & (np.mod(zh, 0.6) < 0.2)
        colours = canvas.rgb[hit]
        colours[win] = seg_win[k[win]]
        colours[bars] *= 0.7
        canvas.rgb[hit] = colours

    # the far end of the street
    z_end, h_end, kind = scene['far_end']
    if h_end > 0:
        yw = hc - dy * z_end / f
        xw = (xs - vx) * z_end / f
        m = (yw >= 0) & (yw <= h_end) & (xw > -road_l - sw_l - vg_l) & \
            (xw < road_r + sw_r + vg_r) & (z_end < canvas.depth)
        canvas.paint(m, kind, z_end, _shift_colour(pal[kind], 0.9, rng))

    # objects, far to near
    for obj in sorted(scene['objects'], key=lambda o: -o['Z']):
        _draw_object(canvas, obj, style, rng, f, hc, yh, vx)

    return dict(canvas=canvas, yh=yh, vx=vx, f=f, hc=hc)


def _box(obj, f, hc, yh, vx):
    z = obj['Z']
    x0 = vx + f * (obj['X'] - obj['w'] / 2) / z
    x1 = vx + f * (obj['X'] + obj['w'] / 2) / z
    yb = yh + f * (hc - obj['y0']) / z
    yt = yh + f * (hc - obj['y0'] - obj['h']) / z
    return x0, x1, yt, yb


def _draw_object(canvas: _Canvas, obj: dict, style: DomainStyle,
                 rng: np.random.Generator, f, hc, yh, vx) -> None:
    h, w = canvas.label.shape
    x0, x1, yt, yb = _box(obj, f, hc, yh, vx)
    if x1 < 0 or x0 >= w or yb < 0 or yt >= h or (x1 - x0) < 0.3:
        return
    pal = style.palette
    cls, z, shape = obj['cls'], obj['Z'], obj['shape']
    key = dict(
        pole='pole',
        **{
            'traffic sign': 'sign',
            'traffic light': 'light'
        },
        vegetation='vegetation',
        person='person',
        car='car',
        truck='truck',
        bus='bus',
        bicycle='bicycle').get(cls, cls)
    hue = obj.get('colour', 0)
    base = np.asarray(pal[key], np.float32) / 255
    if cls in ('car', 'person', 'truck', 'bus', 'bicycle'):
        # instances vary in colour around the class colour
        tint = np.roll(np.array([1.25, 0.85, 0.95]), hue % 3) * \
            (0.75 + 0.1 * (hue // 3))
        base = np.clip(base * tint, 0, 1)
    colour = np.clip(base * rng.uniform(0.85, 1.15), 0, 1)
    inst = obj.get('inst', 0)
    s = 8  # drawing with sub-pixel precision (cv2 shift)

    def pt(x, y):
        return [int(round(x * (1 << 3))), int(round(y * (1 << 3)))]

    def new():
        return np.zeros((h, w), np.uint8)

    def rect(m, a, b, c, d):
        cv2.fillPoly(
            m, [np.array([pt(a, c), pt(b, c),
                          pt(b, d), pt(a, d)])],
            1,
            lineType=cv2.LINE_8,
            shift=3)

    def ellipse(m, cx, cy, rx, ry):
        cv2.ellipse(
            m, (int(cx * s), int(cy * s)),
            (max(int(rx * s), 1), max(int(ry * s), 1)),
            0,
            0,
            360,
            1,
            -1,
            cv2.LINE_8,
            shift=3)

    bw, bh = x1 - x0, yb - yt
    m = new()
    detail = None
    if shape in ('rect', ):
        rect(m, x0, x1, yt, yb)
    elif shape == 'circle':
        ellipse(m, (x0 + x1) / 2, (yt + yb) / 2, bw / 2, bh / 2)
    elif shape == 'triangle':
        cv2.fillPoly(
            m, [np.array([pt(x0, yb),
                          pt(x1, yb),
                          pt((x0 + x1) / 2, yt)])],
            1,
            shift=3)
    elif shape == 'light':
        rect(m, x0, x1, yt, yb)
        lamp = new()
        lit = int(rng.integers(0, 3))
        ellipse(lamp, (x0 + x1) / 2, yt + bh * (0.2 + 0.3 * lit), bw * 0.3,
                bw * 0.3)
        detail = (lamp.astype(bool),
                  np.array([(1, .2, .1), (1, .8, .1), (.2, 1, .3)][lit]))
    elif shape == 'tree':
        trunk_w = bw * 0.12
        cx = (x0 + x1) / 2
        rect(m, cx - trunk_w / 2, cx + trunk_w / 2, yt + bh * 0.5, yb)
        ellipse(m, cx, yt + bh * 0.35, bw / 2, bh * 0.35)
        ellipse(m, cx - bw * 0.2, yt + bh * 0.45, bw * 0.3, bh * 0.2)
        colour = _shift_colour(pal['vegetation'], rng.uniform(0.8, 1.1), rng)
    elif shape == 'person':
        cx = (x0 + x1) / 2
        ellipse(m, cx, yt + bh * 0.08, bw * 0.22, bh * 0.08)
        ellipse(m, cx, yt + bh * 0.35, bw * 0.45, bh * 0.2)
        rect(m, cx - bw * 0.3, cx - bw * 0.04, yt + bh * 0.45, yb)
        rect(m, cx + bw * 0.04, cx + bw * 0.3, yt + bh * 0.45, yb)
    elif shape in ('car', 'truck', 'bus'):
        wheel = new()
        if shape == 'car':
            rect(m, x0, x1, yt + bh * 0.4, yb - bh * 0.1)
            cv2.fillPoly(
                m, [
                    np.array([
                        pt(x0 + bw * 0.12, yt + bh * 0.42),
                        pt(x1 - bw * 0.12, yt + bh * 0.42),
                        pt(x1 - bw * 0.2, yt),
                        pt(x0 + bw * 0.2, yt)
                    ])
                ],
                1,
                shift=3)
            win = new()
            rect(win, x0 + bw * 0.22, x1 - bw * 0.22, yt + bh * 0.08,
                 yt + bh * 0.38)
        elif shape == 'truck':
            rect(m, x0, x1, yt, yb - bh * 0.08)
            win = new()
            rect(win, x0 + bw * 0.1, x1 - bw * 0.1, yt + bh * 0.05,
                 yt + bh * 0.2)
        else:
            rect(m, x0, x1, yt, yb - bh * 0.08)
            win = new()
            rect(win, x0 + bw * 0.06, x1 - bw * 0.06, yt + bh * 0.12,
                 yt + bh * 0.45)
        rect(wheel, x0 + bw * 0.05, x0 + bw * 0.28, yb - bh * 0.18, yb)
        rect(wheel, x1 - bw * 0.28, x1 - bw * 0.05, yb - bh * 0.18, yb)
        m |= wheel
        dark = (win | wheel).astype(bool)
        detail = (dark, np.asarray(pal['window'], np.float32) / 255 * 0.6)
    elif shape == 'bicycle':
        ry = bh * 0.22
        ring = new()
        for cx in (x0 + bw * 0.2, x1 - bw * 0.2):
            cv2.ellipse(
                ring, (int(cx * s), int((yb - ry) * s)),
                (max(int(ry * 0.5 * s), 1), max(int(ry * s), 1)),
                0,
                0,
                360,
                1,
                max(1, int(bw * 0.08)),
                cv2.LINE_8,
                shift=3)
        canvas.paint(ring.astype(bool), 'bicycle', z, colour, inst)
        # its rider, sitting above it
        rider = new()
        cx = (x0 + x1) / 2
        ry0 = yb - bh * 2.0
        ellipse(rider, cx, ry0 + bh * 0.2, bw * 0.12, bh * 0.16)
        ellipse(rider, cx, ry0 + bh * 0.8, bw * 0.25, bh * 0.5)
        rect(rider, cx - bw * 0.1, cx + bw * 0.1, ry0 + bh * 1.2,
             yb - ry * 1.3)
        canvas.paint(
            rider.astype(bool), 'rider', z - 0.01,
            np.asarray(pal['rider'], np.float32) / 255, inst)
        return
    canvas.paint(m.astype(bool), cls, z, colour, inst, detail)


def _finish_look(canvas: _Canvas, style: DomainStyle, rng: np.random.Generator,
                 yh: float) -> np.ndarray:
    h, w = canvas.label.shape
    rgb = canvas.rgb.copy()
    ground = canvas.depth < np.inf
    if style.shadows:
        for _ in range(int(rng.integers(0, style.shadows + 1))):
            cx, cy = rng.uniform(0, w), rng.uniform(yh, h)
            m = np.zeros((h, w), np.uint8)
            axes = (int(rng.uniform(0.1, 0.4) * w),
                    int(rng.uniform(0.03, 0.12) * h))
            cv2.ellipse(m, (int(cx), int(cy)), axes,
                        float(rng.uniform(-30, 30)), 0, 360, 1, -1)
            shade = m.astype(bool) & ground & np.isin(
                canvas.label, [_C['road'], _C['sidewalk'], _C['terrain']])
            rgb[shade] *= float(rng.uniform(0.55, 0.75))
    if style.blotches:
        low = rng.normal(0, 1, (max(h // 16, 2), max(w // 16, 2), 1))
        low = cv2.resize(
            low.astype(np.float32), (w, h),
            interpolation=cv2.INTER_CUBIC)[..., None]
        rgb *= 1 + style.blotches * low * (canvas.label != _C['sky'])[...,
                                                                      None]
    if style.grain:
        rgb *= 1 + rng.normal(0, style.grain, (h, w, 1)).astype(np.float32)
    if style.light_gradient:
        direction = rng.uniform(-1, 1)
        ramp = np.linspace(-1, 1, w, dtype=np.float32)[None, :, None]
        rgb *= 1 + style.light_gradient * direction * ramp
    if style.vignette:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xx - w / 2) / (w / 2))**2 + ((yy - h / 2) / (h / 2))**2
        rgb *= (1 - style.vignette * 0.5 * r2)[..., None]
    if style.blur:
        sigma = style.blur * w / 256
        rgb = cv2.GaussianBlur(rgb, (0, 0), sigma)
    if style.noise:
        rgb += rng.normal(0, style.noise, rgb.shape).astype(np.float32)
    rgb = np.clip(rgb, 0, 1)
    gamma = float(rng.uniform(*style.gamma))
    rgb = rgb**gamma
    return (rgb * 255 + 0.5).astype(np.uint8)


def _ego_hood(label_ids: np.ndarray, rgb: np.ndarray,
              rng: np.random.Generator) -> None:
    """Paint the ego vehicle's bonnet (Cityscapes id 1) at the bottom."""
    h, w = label_ids.shape
    top = h * float(rng.uniform(0.88, 0.93))
    xx = np.arange(w, dtype=np.float32)
    curve = top + (h - top) * 0.6 * ((xx - w / 2) / (w / 2))**2
    mask = np.arange(h, dtype=np.float32)[:, None] >= curve[None, :]
    label_ids[mask] = CITYSCAPES_NAME_TO_ID[EGO_VEHICLE]
    rgb[mask] = (np.array([38, 40, 44]) * (0.9 + 0.2 * rng.random())).astype(
        np.uint8)


def render_sample(rng: np.random.Generator,
                  style: DomainStyle,
                  size: Tuple[int, int] = DEFAULT_SIZE) -> dict:
    """Sample a scene and render it in ``style``.

    Returns ``img`` (H, W, 3 RGB uint8), ``train_ids`` (19-class Cityscapes
    train ids, 255 = ego vehicle), ``label_ids`` (Cityscapes label ids),
    ``synthia_ids`` (SYNTHIA class ids), ``instance`` (uint16, 0 for stuff),
    ``depth_cm`` (uint16, planar depth in cm, sky = DEMO_MAX_DEPTH_CM).
    """
    scene = sample_scene(rng)
    out = _render(scene, style, rng, size)
    canvas = out['canvas']
    img = _finish_look(canvas, style, rng, out['yh'])
    train_ids = canvas.label.copy()
    to_id = np.full(256, 0, np.uint8)
    to_synthia = np.full(256, 0, np.uint8)
    for tid, name in enumerate(CITYSCAPES_CLASSES):
        to_id[tid] = CITYSCAPES_NAME_TO_ID[name]
        to_synthia[tid] = _SYNTHIA_ID.get(_CS_TO_SYNTHIA.get(name, name), 0)
    label_ids = to_id[train_ids]
    synthia_ids = to_synthia[train_ids]
    synthia_ids[canvas.marking & (train_ids == _C['road'])] = \
        _SYNTHIA_ID[LANE_MARKING]
    if style.ego_hood:
        _ego_hood(label_ids, img, rng)
        train_ids[label_ids == CITYSCAPES_NAME_TO_ID[EGO_VEHICLE]] = \
            IGNORE_INDEX
    depth = np.where(
        np.isfinite(canvas.depth), canvas.depth * 100, DEMO_MAX_DEPTH_CM)
    depth_cm = np.clip(np.round(depth), 1, DEMO_MAX_DEPTH_CM).astype(np.uint16)
    return dict(
        img=img,
        train_ids=train_ids,
        label_ids=label_ids,
        synthia_ids=synthia_ids,
        instance=canvas.inst,
        depth_cm=depth_cm)


# -- writing ---------------------------------------------------------------
def _write_rgb(path: str, rgb: np.ndarray) -> None:
    write_png(path, np.ascontiguousarray(rgb[..., ::-1]))


def _write_source(out: str, index: int, sample: dict) -> None:
    _write_rgb(
        osp.join(out, 'gta5', 'images', f'{index + 1:05d}.png'), sample['img'])
    write_palette_png(
        osp.join(out, 'gta5', 'labels', f'{index + 1:05d}.png'),
        sample['label_ids'], CITYSCAPES_ID_COLOURS)
    name = f'{index:07d}.png'
    _write_rgb(osp.join(out, 'synthia', 'RGB', name), sample['img'])
    h, w = sample['synthia_ids'].shape
    gt = np.zeros((h, w, 3), np.uint16)  # BGR order for OpenCV
    gt[..., 2] = sample['synthia_ids']  # R: class id
    gt[..., 1] = sample['instance']  # G: instance id
    write_png(osp.join(out, 'synthia', 'GT', 'LABELS', name), gt)
    depth = np.repeat(sample['depth_cm'][..., None], 3, axis=2)
    write_png(osp.join(out, 'synthia', 'Depth', 'Depth', name), depth)


def _write_target(out: str, split: str, index: int, sample: dict) -> None:
    city = DEMO_CITIES[split]
    stem = f'{city}_000000_{index:06d}'
    _write_rgb(
        osp.join(out, 'cityscapes', 'leftImg8bit', split, city,
                 f'{stem}_leftImg8bit.png'), sample['img'])
    write_png(
        osp.join(out, 'cityscapes', 'gtFine', split, city,
                 f'{stem}_gtFine_labelIds.png'), sample['label_ids'])


def _make_one(job: tuple) -> None:
    out, seed, kind, stream, i, size = job
    rng = np.random.default_rng([seed, stream, i])
    if kind == 'source':
        _write_source(out, i, render_sample(rng, SOURCE_STYLE, size))
    else:
        _write_target(out, kind, i, render_sample(rng, TARGET_STYLE, size))


def make_demo_data(out: str = 'data/demo',
                   seed: int = 0,
                   num_source: int = 200,
                   num_target_train: int = 100,
                   num_target_val: int = 50,
                   size: Tuple[int, int] = DEFAULT_SIZE,
                   convert: bool = True,
                   nproc: int = 1,
                   quiet: bool = False) -> dict:
    """Generate the demo domain pair under ``out`` (see the module doc).

    Deterministic for a given ``seed``, counts and ``size`` (width,
    height), whatever ``nproc`` (each image has its own random stream).
    With ``convert`` the GTA5, SYNTHIA and Cityscapes converters run
    afterwards (and an error is raised if they report a problem).

    Returns:
        dict: What was written (also saved as ``out/demo_info.json``).
    """
    width, height = size
    if width < 32 or height < 16:
        raise ValueError(f'demo image size {size} is too small (at least '
                         '32x16)')
    size = (int(width), int(height))
    jobs = [(out, seed, 'source', 0, i, size) for i in range(num_source)]
    jobs += [(out, seed, 'train', 1, i, size) for i in range(num_target_train)]
    jobs += [(out, seed, 'val', 2, i, size) for i in range(num_target_val)]
    run_tasks(_make_one, jobs, nproc, quiet)
    info = dict(
        seed=seed,
        size=dict(width=width, height=height),
        num_source=num_source,
        num_target_train=num_target_train,
        num_target_val=num_target_val,
        source_styles=['gta5', 'synthia'],
        target_style='cityscapes',
        depth_unit='cm',
        depth_range=list(DEMO_DEPTH_RANGE),
        cities=DEMO_CITIES)
    if convert:
        reports = []
        if num_source:
            reports += [
                convert_gta5(osp.join(out, 'gta5'), nproc, quiet),
                convert_synthia(osp.join(out, 'synthia'), nproc, quiet=quiet)
            ]
        if num_target_train or num_target_val:
            reports.append(
                convert_cityscapes(osp.join(out, 'cityscapes'), nproc, quiet))
        for report in reports:
            if not quiet:
                print('\n' + report.format())
            if report.exit_code:
                raise RuntimeError(f'demo data: the {report.dataset} '
                                   'converter reported problems:\n' +
                                   report.format())
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'demo_info.json'), 'w') as f:
        json.dump(info, f, indent=1)
    return info


def write_preview(out: str, path: Optional[str] = None, num: int = 4) -> str:
    """Stack a few source and target images side by side (a quick look at
    the domain gap)."""
    src = sorted(os.listdir(osp.join(out, 'gta5', 'images')))[:num]
    city = DEMO_CITIES['train']
    tgt_dir = osp.join(out, 'cityscapes', 'leftImg8bit', 'train', city)
    tgt = sorted(os.listdir(tgt_dir))[:num]
    rows = []
    for a, b in zip(src, tgt):
        rows.append(
            np.concatenate([
                cv2.imread(osp.join(out, 'gta5', 'images', a)),
                cv2.imread(osp.join(tgt_dir, b))
            ],
                           axis=1))
    path = path or osp.join(out, 'preview.png')
    cv2.imwrite(path, np.concatenate(rows, axis=0))
    return path

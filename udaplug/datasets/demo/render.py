"""Rendering a street scene with a pinhole camera into label, depth,
instance and colour buffers, and :func:`render_sample`, which adds the
domain's look and the label formats."""
from typing import Tuple

import numpy as np

from ..label_sets import (CITYSCAPES_CLASSES, CITYSCAPES_NAME_TO_ID,
                          IGNORE_INDEX)
from .canvas import Canvas, shift_colour
from .look import ego_hood, finish_look
from .objects import draw_object
from .scenes import sample_scene
from .styles import (CITYSCAPES_TO_SYNTHIA_NAME, DEFAULT_SIZE,
                     DEMO_MAX_DEPTH_CM, EGO_VEHICLE, LANE_MARKING, SYNTHIA_ID,
                     TRAIN_ID, DomainStyle)


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
    canvas = Canvas(height, width)
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
        canvas.label[mask] = TRAIN_ID[cls]
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
            [TRAIN_ID[s[2]] if s[2] != 'gap' else IGNORE_INDEX for s in segs])
        light = np.array([s[4] for s in segs]) * (0.85 if sgn < 0 else 1.0)
        seg_rgb = np.stack([
            shift_colour(pal[s[2] if s[2] != 'gap' else 'wall'], k, rng)
            for s, k in zip(segs, light)
        ])
        seg_win = np.stack(
            [shift_colour(pal['window'], k, rng, 0.05) for k in light])
        z0 = np.array([s[0] for s in segs])
        hit = half & (yw >= 0) & (yw <= tops) & (zf < canvas.depth) & \
            (seg_label[idx] != IGNORE_INDEX)
        k = idx[hit]
        canvas.label[hit] = seg_label[k]
        canvas.depth[hit] = zf[hit]
        canvas.rgb[hit] = seg_rgb[k]
        zh, yh_w = zf[hit], yw[hit]
        # a grid of windows on buildings, vertical boards on fences
        win = (seg_label[k] == TRAIN_ID['building']) & \
            (np.mod(zh - z0[k], 3.0) > 1.2) & (np.mod(yh_w, 3.2) > 1.1) & \
            (np.mod(yh_w, 3.2) < 2.5) & (yh_w > 2.5)
        bars = (seg_label[k] == TRAIN_ID['fence']) & (np.mod(zh, 0.6) < 0.2)
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
        canvas.paint(m, kind, z_end, shift_colour(pal[kind], 0.9, rng))

    # objects, far to near
    for obj in sorted(scene['objects'], key=lambda o: -o['Z']):
        draw_object(canvas, obj, style, rng, f, hc, yh, vx)

    return dict(canvas=canvas, yh=yh, vx=vx, f=f, hc=hc)


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
    img = finish_look(canvas, style, rng, out['yh'])
    train_ids = canvas.label.copy()
    to_id = np.full(256, 0, np.uint8)
    to_synthia = np.full(256, 0, np.uint8)
    for tid, name in enumerate(CITYSCAPES_CLASSES):
        to_id[tid] = CITYSCAPES_NAME_TO_ID[name]
        to_synthia[tid] = SYNTHIA_ID.get(
            CITYSCAPES_TO_SYNTHIA_NAME.get(name, name), 0)
    label_ids = to_id[train_ids]
    synthia_ids = to_synthia[train_ids]
    synthia_ids[canvas.marking & (train_ids == TRAIN_ID['road'])] = \
        SYNTHIA_ID[LANE_MARKING]
    if style.ego_hood:
        ego_hood(label_ids, img, rng)
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

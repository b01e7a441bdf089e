"""Drawing the scene's objects (poles, signs, traffic lights, trees,
people, vehicles, bicycles with riders) onto the canvas."""
import cv2
import numpy as np

from .canvas import Canvas, shift_colour
from .styles import DomainStyle


def _box(obj, f, hc, yh, vx):
    """The image box (x0, x1, y top, y bottom) of an object (pinhole camera
    of focal length ``f`` at height ``hc``, horizon row ``yh``, vanishing
    column ``vx``)."""
    z = obj['Z']
    x0 = vx + f * (obj['X'] - obj['w'] / 2) / z
    x1 = vx + f * (obj['X'] + obj['w'] / 2) / z
    yb = yh + f * (hc - obj['y0']) / z
    yt = yh + f * (hc - obj['y0'] - obj['h']) / z
    return x0, x1, yt, yb


def draw_object(canvas: Canvas, obj: dict, style: DomainStyle,
                rng: np.random.Generator, f, hc, yh, vx) -> None:
    """Paint ``obj`` (a dict of :func:`~.scenes.sample_scene`) onto the
    canvas, behind what is nearer."""
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
        colour = shift_colour(pal['vegetation'], rng.uniform(0.8, 1.1), rng)
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

"""Street layouts, sampled from one distribution shared by both domains
(metres; X right, Z forward)."""
from typing import List

import numpy as np


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

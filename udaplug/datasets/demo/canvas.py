"""The render buffers (labels, depth, colour, instances, lane markings)
with a depth test, and the colour jitter of painted surfaces."""
import numpy as np

from .styles import TRAIN_ID


def shift_colour(rgb, k: float, rng: np.random.Generator, spread=0.12):
    """``rgb`` (0..255) in [0, 1], scaled by ``k`` and jittered per channel
    by a relative normal ``spread``."""
    base = np.asarray(rgb, np.float32) / 255.0
    return np.clip(base * k * (1 + rng.normal(0, spread, 3)), 0, 1)


class Canvas:
    """Label / depth / colour buffers with a depth test."""

    def __init__(self, height: int, width: int) -> None:
        self.label = np.full((height, width), TRAIN_ID['sky'], np.uint8)
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
        self.label[m] = TRAIN_ID[cls]
        self.depth[m] = z
        self.rgb[m] = colour
        if detail is not None:
            dm = m & detail[0]
            self.rgb[dm] = detail[1]
        self.inst[m] = inst
        self.marking[m] = False
        return m

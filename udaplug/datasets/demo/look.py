"""A domain's look on top of the rendered scene: shadows, texture, light,
vignetting, blur, noise, gamma, and the target's ego-vehicle bonnet."""
import cv2
import numpy as np

from ..label_sets import CITYSCAPES_NAME_TO_ID
from .canvas import Canvas
from .styles import EGO_VEHICLE, TRAIN_ID, DomainStyle


def finish_look(canvas: Canvas, style: DomainStyle, rng: np.random.Generator,
                yh: float) -> np.ndarray:
    """The canvas colours with ``style``'s look, as (H, W, 3) RGB uint8
    (``yh``: the horizon row, above which no shadow falls)."""
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
                canvas.label,
                [TRAIN_ID['road'], TRAIN_ID['sidewalk'], TRAIN_ID['terrain']])
            rgb[shade] *= float(rng.uniform(0.55, 0.75))
    if style.blotches:
        low = rng.normal(0, 1, (max(h // 16, 2), max(w // 16, 2), 1))
        low = cv2.resize(
            low.astype(np.float32), (w, h),
            interpolation=cv2.INTER_CUBIC)[..., None]
        rgb *= 1 + style.blotches * low * (canvas.label
                                           != TRAIN_ID['sky'])[..., None]
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


def ego_hood(label_ids: np.ndarray, rgb: np.ndarray,
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

import os.path as osp
import warnings
from typing import Optional, Sequence

import cv2
import mmcv
import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from udaplug.datasets.label_sets import CITYSCAPES_PALETTE
from udaplug.registry import HOOKS
from udaplug.visualization import colorize, palette_of


@HOOKS.register_module()
class TranslationVisualizationHook(Hook):
    """Every ``interval`` training iterations, save the panels of the last
    training step (e.g. source image | translated image | predicted depth |
    predicted segmentation) side by side as
    ``<work_dir>/<out_dir>/iter_<N>.png``.

    Works with every udaplug UDA model: ``BaseUDASegmentor`` declares
    ``visualization_outputs()``, a dict of CPU or GPU tensors for one sample
    of the last training step, filled by the model's
    ``record_visualization()`` call in its ``train_step``. Panels by key:

    - ``'source_image'``, ``'translated_image'`` (and any other key ending
      in ``_image``): (3, H, W) RGB in [0, 1];
    - ``'depth_pred'`` (and any key ending in ``_depth``): (H, W) or (1, H,
      W), coloured with a colour map after min-max scaling per image;
    - ``'seg_pred'`` (and any key ending in ``_seg``): (H, W) class indices,
      coloured with the dataset's palette (``runner.visualizer.dataset_meta``
      or the training dataset's ``metainfo``; Cityscapes' colours
      otherwise; 255 is black).

    Panels are resized (nearest for label maps) to the first panel's size.
    A model that is not a udaplug UDA model is skipped with one warning.

    Args:
        interval (int): Save every ``interval`` iterations. Defaults to 500.
        out_dir (str): Folder under ``runner.work_dir`` (or an absolute
            path). Defaults to ``'vis'``.
        panels (Sequence[str], optional): Keys to draw, left to right;
            missing keys are skipped. Defaults to every key, in the order
            the model recorded them.
    """
    priority = 'LOW'

    def __init__(self,
                 interval: int = 500,
                 out_dir: str = 'vis',
                 panels: Optional[Sequence[str]] = None) -> None:
        if interval <= 0:
            raise ValueError(f'interval must be positive, got {interval}')
        self.interval = interval
        self.out_dir = out_dir
        self.panels = None if panels is None else tuple(panels)
        self._warned = False

    @staticmethod
    def _palette(runner) -> list:
        visualizer = getattr(runner, 'visualizer', None)
        palette = palette_of(getattr(visualizer, 'dataset_meta', None))
        if palette is None:
            try:
                meta = runner.train_dataloader.dataset.metainfo
            except Exception:  # noqa: BLE001  (no train loader built)
                meta = None
            palette = palette_of(meta)
        return palette or [list(c) for c in CITYSCAPES_PALETTE]

    @staticmethod
    def _depth_panel(depth: np.ndarray) -> np.ndarray:
        depth = depth.astype(np.float32)
        lo, hi = float(np.nanmin(depth)), float(np.nanmax(depth))
        scaled = (depth - lo) / (hi - lo) if hi > lo else depth * 0
        gray = (np.nan_to_num(scaled) * 255).astype(np.uint8)
        # cv2 colour maps return BGR; panels are RGB.
        return cv2.applyColorMap(gray, cv2.COLORMAP_MAGMA)[..., ::-1]

    def render(self, outputs: dict, palette: list) -> Optional[np.ndarray]:
        """The RGB (H, W * panels, 3) uint8 strip of ``outputs``."""
        images, size = [], None
        for key in (self.panels or tuple(outputs)):
            value = outputs.get(key)
            if value is None:
                continue
            value = value.detach().float().cpu() if isinstance(
                value, torch.Tensor) else torch.as_tensor(value)
            if key.endswith('_image'):
                img = (value.clamp(0, 1).permute(1, 2, 0).numpy() *
                       255).round().astype(np.uint8)
                interp = 'bilinear'
            elif key.endswith('_depth') or key == 'depth_pred':
                img = self._depth_panel(
                    value.reshape(value.shape[-2:]).numpy())
                interp = 'bilinear'
            else:
                img = colorize(
                    value.reshape(value.shape[-2:]).long().numpy(), palette)
                interp = 'nearest'
            if size is None:
                size = img.shape[:2]
            elif img.shape[:2] != size:
                img = mmcv.imresize(
                    img, (size[1], size[0]), interpolation=interp)
            images.append(img)
        if not images:
            return None
        return np.concatenate(images, axis=1)

    @master_only
    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        from udaplug.models.uda import BaseUDASegmentor
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not isinstance(model, BaseUDASegmentor):
            if not self._warned:
                warnings.warn(f'TranslationVisualizationHook: '
                              f'{type(model).__name__} is not a udaplug UDA '
                              'model (no visualization_outputs()); nothing '
                              'is saved')
                self._warned = True
            return
        strip = self.render(model.visualization_outputs(),
                            self._palette(runner))
        if strip is None:
            return
        folder = osp.join(runner.work_dir, self.out_dir)
        mmcv.imwrite(strip[..., ::-1],
                     osp.join(folder, f'iter_{runner.iter + 1:08d}.png'))

from typing import Optional, Tuple

import cv2
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform

from udaplug.registry import TRANSFORMS
from ..checks import DepthMapError, DepthNotFoundError


@TRANSFORMS.register_module()
class LoadDepthFromFile(BaseTransform):
    """Load a single-channel 16-bit depth PNG as ``gt_depth_map``.

    The map is stored as float32 (H, W) and its key is appended to
    ``seg_fields``, so mmseg's ``Resize`` (nearest neighbour, as for label
    maps), ``RandomCrop`` and ``RandomFlip`` transform it exactly like the
    label; ``PackSegInputs`` packs it as ``data_samples.gt_depth_map``.
    Place it right after ``LoadImageFromFile`` (before any geometric
    transform).

    Required keys: ``depth_map_path`` (and ``img`` for the shape check).
    Added keys: ``gt_depth_map``, ``depth_range`` (if given); modified:
    ``seg_fields``.

    Args:
        scale (float): Factor from the file's unit to the unit stored when
            not normalising. udaplug's depth files (SYNTHIA after conversion,
            Virtual KITTI, the demo data) are centimetres, so the default
            0.01 gives metres.
        depth_range (tuple[float, float], optional): ``(min, max)`` of the
            dataset's depth in the file's unit (e.g. ``(0, 65535)`` cm). A
            map with a value outside it is an error (an impossible value
            means a wrong file or unit, it is never clipped).
        normalize (bool): Map ``depth_range`` linearly to [0, 1] (GIO-Ada
            normalises depth to [0, 1] over the whole dataset). Needs
            ``depth_range``; ``scale`` is then not used.
        check_shape (bool): Require the depth map to have the image's height
            and width. Defaults to True.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self,
                 scale: float = 0.01,
                 depth_range: Optional[Tuple[float, float]] = None,
                 normalize: bool = False,
                 check_shape: bool = True,
                 backend_args: Optional[dict] = None) -> None:
        super().__init__()
        if depth_range is not None:
            if len(depth_range) != 2 or not depth_range[0] < depth_range[1]:
                raise ValueError('LoadDepthFromFile: depth_range must be '
                                 f'(min, max) with min < max, got '
                                 f'{depth_range}')
            depth_range = (float(depth_range[0]), float(depth_range[1]))
        if normalize and depth_range is None:
            raise ValueError('LoadDepthFromFile: normalize=True needs '
                             'depth_range=(min, max) in the file unit (the '
                             "dataset's depth range)")
        if scale <= 0:
            raise ValueError(f'LoadDepthFromFile: scale must be > 0, got '
                             f'{scale}')
        self.scale = float(scale)
        self.depth_range = depth_range
        self.normalize = normalize
        self.check_shape = check_shape
        self.backend_args = backend_args.copy() if backend_args else None

    def _read(self, path: str) -> np.ndarray:
        try:
            data = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError as err:
            raise DepthNotFoundError(f'depth map not found: {path}') from err
        depth = cv2.imdecode(
            np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        if depth is None:
            raise DepthMapError(f'cannot decode depth map {path} (corrupt '
                                'or truncated file?)')
        if depth.ndim != 2:
            raise DepthMapError(
                f'depth map {path} has shape {depth.shape}; a single-channel '
                '16-bit PNG is expected (SYNTHIA ships 3-channel depth: run '
                'tools/convert_datasets/synthia.py, which writes '
                '*_depth_cm.png)')
        if depth.dtype != np.uint16:
            raise DepthMapError(
                f'depth map {path} is {depth.dtype}; a 16-bit PNG is '
                'expected')
        return depth

    def transform(self, results: dict) -> dict:
        if 'depth_map_path' not in results:
            raise DepthNotFoundError(
                'LoadDepthFromFile: the sample of image '
                f"{results.get('img_path')} has no 'depth_map_path'; set "
                "data_prefix['depth_path'] in the dataset config")
        path = results['depth_map_path']
        raw = self._read(path)
        if self.check_shape:
            if 'img' in results:
                shape = tuple(results['img'].shape[:2])
            else:
                shape = tuple(results.get('ori_shape', raw.shape)[:2])
            if tuple(raw.shape) != shape:
                raise DepthMapError(
                    f'depth map {path} is {raw.shape[0]}x{raw.shape[1]} '
                    f'(HxW) but its image {results.get("img_path")} is '
                    f'{shape[0]}x{shape[1]}')
        if self.depth_range is not None:
            lo, hi = self.depth_range
            found_lo, found_hi = float(raw.min()), float(raw.max())
            if found_lo < lo or found_hi > hi:
                raise DepthMapError(
                    f'depth map {path} has values in [{found_lo:g}, '
                    f'{found_hi:g}], outside depth_range=({lo:g}, {hi:g}) '
                    '(file unit) of LoadDepthFromFile; fix the depth_range '
                    "setting (see the dataset's converter report) or the "
                    'file')
        if self.normalize:
            lo, hi = self.depth_range
            depth = (raw.astype(np.float32) - lo) / (hi - lo)
        else:
            depth = raw.astype(np.float32) * self.scale
        results['gt_depth_map'] = depth.astype(np.float32)
        seg_fields = results.setdefault('seg_fields', [])
        if 'gt_depth_map' not in seg_fields:
            seg_fields.append('gt_depth_map')
        if self.depth_range is not None:
            results['depth_range'] = self.depth_range
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'depth_range={self.depth_range}, '
                f'normalize={self.normalize}, '
                f'check_shape={self.check_shape})')

import os
import os.path as osp
from typing import Optional, Sequence

import cv2
from mmengine.hooks import Hook

from udaplug.datasets.label_sets import CITYSCAPES_PALETTE
from udaplug.registry import HOOKS
from udaplug.visualization import colorize, palette_of


@HOOKS.register_module()
class SegPredictionDumpHook(Hook):
    """Write each evaluated image's prediction (and label) as a colour PNG.

    For every sample of the validation / test loop it writes
    ``<out_dir>/<img_stem>_pred.png`` and, when the sample has a label,
    ``<img_stem>_label.png``, coloured with the dataset's palette (from
    ``runner.visualizer.dataset_meta``, else the dataloader's dataset, else
    Cityscapes' colours); ignored pixels are black. Validation runs during
    training go to ``<out_dir>/iter_<N>/``. Two images with the same stem
    (e.g. Virtual KITTI frames of different worlds) are told apart by their
    parent folder names.

    ``tools/test.py --show-dir DIR`` adds
    ``dict(type='SegPredictionDumpHook', out_dir=DIR)``.

    Args:
        out_dir (str): Output folder.
        on_val (bool): Dump in the validation loop. Defaults to True.
        on_test (bool): Dump in the test loop. Defaults to True.
        with_label (bool): Also write the labels. Defaults to True.
        max_images (int, optional): Stop after this many images per loop.
    """
    priority = 'LOW'

    def __init__(self,
                 out_dir: str,
                 on_val: bool = True,
                 on_test: bool = True,
                 with_label: bool = True,
                 max_images: Optional[int] = None) -> None:
        self.out_dir = out_dir
        self.on_val = on_val
        self.on_test = on_test
        self.with_label = with_label
        self.max_images = max_images
        self._reset(out_dir)

    def _reset(self, folder: str) -> None:
        self._folder = folder
        self._stems: dict = {}
        self._count = 0

    def before_val(self, runner) -> None:
        self._reset(osp.join(self.out_dir, f'iter_{runner.iter}'))

    def before_test(self, runner) -> None:
        self._reset(self.out_dir)

    def after_val_iter(self,
                       runner,
                       batch_idx: int,
                       data_batch=None,
                       outputs: Optional[Sequence] = None) -> None:
        if self.on_val:
            self._dump(runner, outputs, 'val')

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        if self.on_test:
            self._dump(runner, outputs, 'test')

    @staticmethod
    def _palette(runner, mode: str) -> list:
        visualizer = getattr(runner, 'visualizer', None)
        palette = palette_of(getattr(visualizer, 'dataset_meta', None))
        if palette is None:
            loader = getattr(runner, f'{mode}_dataloader', None)
            dataset = getattr(loader, 'dataset', None)
            palette = palette_of(getattr(dataset, 'metainfo', None))
        return palette or [list(c) for c in CITYSCAPES_PALETTE]

    def _unique_stem(self, img_path: Optional[str]) -> str:
        if not img_path:
            stem, parents = f'{self._count:06d}', []
        else:
            norm = osp.normpath(img_path)
            stem = osp.splitext(osp.basename(norm))[0]
            parents = osp.dirname(norm).split(os.sep)
        candidate = stem
        while candidate in self._stems and \
                self._stems[candidate] != img_path and parents:
            candidate = f'{parents.pop()}_{candidate}'
        if candidate in self._stems and self._stems[candidate] != img_path:
            candidate = f'{candidate}_{self._count}'
        self._stems[candidate] = img_path
        return candidate

    def _dump(self, runner, outputs: Optional[Sequence], mode: str) -> None:
        if not outputs:
            return
        palette = None
        for sample in outputs:
            if self.max_images is not None and \
                    self._count >= self.max_images:
                return
            pred = sample.get('pred_sem_seg', None)
            if pred is None:
                continue
            if palette is None:
                palette = self._palette(runner, mode)
                os.makedirs(self._folder, exist_ok=True)
            stem = self._unique_stem(sample.get('img_path', None))
            self._write(f'{stem}_pred.png', pred.data, palette)
            label = sample.get('gt_sem_seg', None)
            if self.with_label and label is not None:
                self._write(f'{stem}_label.png', label.data, palette)
            self._count += 1

    def _write(self, name: str, data, palette: list) -> None:
        label = data.squeeze(0).cpu().numpy() if hasattr(data, 'cpu') \
            else data
        rgb = colorize(label, palette)
        path = osp.join(self._folder, name)
        if not cv2.imwrite(path, rgb[..., ::-1]):
            raise OSError(f'SegPredictionDumpHook: cannot write {path}')

"""The checks every udaplug dataset adds to mmseg's ``BaseSegDataset``."""
import os.path as osp
from typing import List, Optional, Sequence

from mmseg.datasets import BaseSegDataset

from udaplug.utils.errors import DataRootNotFoundError, check_data_root
from .checks import (ClassMismatchError, DepthMapError, DepthNotFoundError,
                     LabelNotFoundError, SampleLoadError,
                     check_depth_available)

_MAX_LISTED = 5


class CheckedDatasetMixin:
    """Strict loading for segmentation datasets.

    On top of mmseg's dataset it

    * raises :class:`~udaplug.utils.DataRootNotFoundError` for a missing data
      root or image / label / depth folder, naming the converter to run;
    * raises :class:`LabelNotFoundError` (or :class:`DepthNotFoundError`)
      naming the images whose label (depth) file is missing, instead of
      failing later during training;
    * adds ``depth_map_path`` to each sample when ``data_prefix`` has a
      ``depth_path`` (file: image name minus ``img_suffix`` plus
      ``depth_suffix``), and raises at build time when the pipeline loads
      depth but the dataset has none;
    * raises :class:`ClassMismatchError` for a ``metainfo`` whose classes
      are not among the classes the label files hold;
    * turns an error while loading a sample (e.g. a truncated PNG) into a
      :class:`SampleLoadError` naming the sample's files.

    Class attributes: ``DATASET_NAME`` (for messages), ``CONVERTER`` (the
    command that prepares the dataset, ``{data_root}`` is filled in) and
    ``HAS_DEPTH``.

    Args:
        depth_suffix (str): Suffix of the depth files, see above.
        prepare_hint (str, optional): The command that creates this data,
            shown in the errors instead of the converter (e.g.
            ``'python tools/make_demo_data.py'`` for the demo data).
    """
    DATASET_NAME: str = ''
    CONVERTER: Optional[str] = None
    HAS_DEPTH: bool = False

    def __init__(self,
                 *args,
                 depth_suffix: str = '.png',
                 prepare_hint: Optional[str] = None,
                 **kwargs) -> None:
        self.depth_suffix = depth_suffix
        self.prepare_hint = prepare_hint
        super().__init__(*args, **kwargs)

    # -- naming ------------------------------------------------------------
    @classmethod
    def _name(cls) -> str:
        return cls.DATASET_NAME or cls.__name__

    def _converter(self) -> Optional[str]:
        if self.prepare_hint:
            return self.prepare_hint
        if not self.CONVERTER:
            return None
        return self.CONVERTER.format(data_root=self.data_root or 'DATA_ROOT')

    # -- metainfo ----------------------------------------------------------
    @classmethod
    def get_label_map(cls, new_classes: Optional[Sequence] = None):
        old = cls.METAINFO.get('classes', None)
        if new_classes is not None and old is not None:
            new = list(new_classes)
            unknown = [c for c in new if c not in old]
            if unknown or len(set(new)) != len(new):
                problem = (f'unknown classes {unknown}'
                           if unknown else 'duplicate class names')
                raise ClassMismatchError(
                    f'{cls._name()}: metainfo classes {tuple(new)} cannot be '
                    f'honoured ({problem}): its label files hold the '
                    f'{len(old)} classes {tuple(old)}; metainfo may only '
                    'select a subset of these (the others become 255).')
        return super().get_label_map(new_classes)

    def _update_palette(self) -> list:
        palette = self._metainfo.get('palette', [])
        classes = self._metainfo.get('classes', [])
        if palette and len(palette) != len(classes) and \
                self.label_map is None:
            raise ClassMismatchError(
                f'{self._name()}: metainfo has {len(classes)} classes but '
                f'{len(palette)} palette colours; give one colour per class '
                'or leave the palette out.')
        return super()._update_palette()

    # -- listing -----------------------------------------------------------
    def _require_folder(self, folder: str, what: str) -> None:
        name = self._name()
        if not self.prepare_hint:
            check_data_root(folder, name, self._converter(), what)
        elif not osp.isdir(folder):
            raise DataRootNotFoundError(
                f'{name}: {what} not found: {folder} (absolute: '
                f'{osp.abspath(folder)}). Create it with: '
                f'{self.prepare_hint}')

    def _check_folders(self) -> None:
        name = self._name()
        if self.data_root is not None:
            self._require_folder(self.data_root, 'data root')
        for key, what in (('img_path', 'image folder'),
                          ('seg_map_path', 'label folder'), ('depth_path',
                                                             'depth folder')):
            folder = self.data_prefix.get(key, None)
            if folder is not None:
                self._require_folder(folder, f"{what} (data_prefix['{key}'])")
        if self.ann_file and not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'{name}: split file (ann_file) not found: {self.ann_file}')

    def _stem(self, img_path: str) -> str:
        """Path of an image relative to the image folder, minus its
        suffix."""
        rel = osp.relpath(img_path, self.data_prefix['img_path'])
        return rel[:-len(self.img_suffix)] if self.img_suffix else rel

    def filter_samples(self, data_list: List[dict]) -> List[dict]:
        """Hook for subclasses that select part of what is on disk."""
        return data_list

    def load_data_list(self) -> List[dict]:
        self._check_folders()
        data_list = self.filter_samples(super().load_data_list())
        name = self._name()
        if not data_list:
            raise FileNotFoundError(
                f'{name}: no images matching *{self.img_suffix} in '
                f"{self.data_prefix.get('img_path')}" +
                (f' (split file {self.ann_file})' if self.ann_file else '') +
                (f'; prepare the dataset with: {self._converter()}' if self.
                 _converter() else ''))
        depth_dir = self.data_prefix.get('depth_path', None)
        missing_label, missing_depth = [], []
        for info in data_list:
            seg = info.get('seg_map_path')
            if seg is not None and not osp.isfile(seg):
                missing_label.append((info['img_path'], seg))
            if depth_dir is not None:
                depth = osp.join(
                    depth_dir,
                    self._stem(info['img_path']) + self.depth_suffix)
                info['depth_map_path'] = depth
                if not osp.isfile(depth):
                    missing_depth.append((info['img_path'], depth))
        hint = (f' Labels and depth maps are written by: {self._converter()}'
                if self._converter() else '')
        for missing, kind, error in ((missing_label, 'label',
                                      LabelNotFoundError),
                                     (missing_depth, 'depth map',
                                      DepthNotFoundError)):
            if missing:
                listed = '\n'.join(f'  {img} -> {other}'
                                   for img, other in missing[:_MAX_LISTED])
                more = len(missing) - _MAX_LISTED
                raise error(
                    f'{name}: {len(missing)} of {len(data_list)} images have '
                    f'no {kind} file:\n{listed}' +
                    (f'\n  ... and {more} more' if more > 0 else '') + '\n' +
                    hint)
        return data_list

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        super().full_init()
        check_depth_available(self, self._name())

    # -- loading -----------------------------------------------------------
    def prepare_data(self, idx: int):
        data_info = self.get_data_info(idx)
        files = [
            data_info[key]
            for key in ('img_path', 'seg_map_path', 'depth_map_path')
            if data_info.get(key)
        ]
        try:
            return self.pipeline(data_info)
        except (DepthMapError, DepthNotFoundError, SampleLoadError):
            raise
        except Exception as err:
            hint = ''
            if isinstance(err, (OSError, AssertionError)):
                hint = (' A corrupt or truncated file? Re-extract it from '
                        'the download.')
            raise SampleLoadError(
                f'{self._name()}: could not load sample {idx} '
                f'({", ".join(files)}): {type(err).__name__}: {err}.' +
                hint) from err


class CheckedSegDataset(CheckedDatasetMixin, BaseSegDataset):
    """mmseg's ``BaseSegDataset`` with udaplug's checks (not registered)."""

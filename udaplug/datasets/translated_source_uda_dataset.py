import copy
import os.path as osp
from typing import Union

from mmengine.dataset import BaseDataset

from udaplug.registry import DATASETS
from .checks import check_same_classes
from .uda_dataset import UDADataset


def image_stem(dataset, idx: int) -> str:
    """Sample ``idx``'s image path relative to the dataset's image folder,
    without the image suffix (the name ``tools/translate.py`` writes its
    translation under)."""
    path = dataset.get_data_info(idx)['img_path']
    rel = osp.relpath(path, dataset.data_prefix.get('img_path', ''))
    suffix = getattr(dataset, 'img_suffix', '')
    return rel[:-len(suffix)] if suffix and rel.endswith(suffix) else rel


class TranslationMismatchError(ValueError):
    """The translated source set does not hold exactly the source images."""


@DATASETS.register_module()
class TranslatedSourceUDADataset(UDADataset):
    """:class:`UDADataset` whose items also hold the translation of the
    source sample: ``dict(source=source[i], translated=translated[i],
    target=target[j])``.

    For methods that train on each labelled source image and its translated
    copy in the same batch (Brehm et al., ICAART 2022, Eq. 11: L_seg(F(x_s),
    y_s) + L_seg(F(G(x_s)), y_s), "a 50/50 split of synthetic and
    transformed data"). ``translated`` is the dataset ``tools/translate.py``
    (or a pipeline's translate stage) writes: the same images under the
    same relative names, with the same labels. Each domain has its own
    pipeline (random crops and flips are drawn independently).

    Before training, the two sets are matched name by name: a translated set
    that misses images, has others, or lists them in another order fails
    with the first file that differs.

    Args:
        source (dict | Dataset): The labelled source dataset.
        translated (dict | Dataset): The translated source dataset.
        target (dict | Dataset): The target dataset.
        **kwargs: Other :class:`UDADataset` arguments.
    """

    def __init__(self, source: Union[dict, BaseDataset],
                 translated: Union[dict, BaseDataset],
                 target: Union[dict, BaseDataset], **kwargs) -> None:
        super().__init__(source, target, **kwargs)
        self.translated = DATASETS.build(translated) if isinstance(
            translated, dict) else translated
        check_same_classes(self._metainfo,
                           getattr(self.translated, 'metainfo', {}),
                           f'source ({type(self.source).__name__})',
                           f'translated ({type(self.translated).__name__})')

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        if hasattr(self.translated, 'full_init'):
            self.translated.full_init()
        super().full_init()
        self._check_translations()

    def _check_translations(self) -> None:
        where = getattr(self.translated, 'data_root', None) or \
            type(self.translated).__name__
        source = [image_stem(self.source, i) for i in range(len(self.source))]
        translated = {
            image_stem(self.translated, i): i
            for i in range(len(self.translated))
        }
        missing = [s for s in source if s not in translated]
        if missing:
            raise TranslationMismatchError(
                f'TranslatedSourceUDADataset: the translated set {where} is '
                f'incomplete: {len(missing)} of {len(source)} source images '
                f'have no translation, the first: "{missing[0]}" (source '
                f'image {self.source.get_data_info(source.index(missing[0]))["img_path"]}). '  # noqa: E501
                'Translate the whole source set again.')
        extra = sorted(set(translated) - set(source))
        if extra:
            raise TranslationMismatchError(
                f'TranslatedSourceUDADataset: the translated set {where} has '
                f'{len(extra)} images that are not in the source set, the '
                f'first: "{extra[0]}"; translate this source set into an '
                'empty folder.')
        for i, stem in enumerate(source):
            if translated[stem] != i:
                raise TranslationMismatchError(
                    'TranslatedSourceUDADataset: the translated set '
                    f'{where} lists "{stem}" at position {translated[stem]}, '
                    f'the source set at {i}; both must list the same images '
                    'in the same order (same dataset type and settings).')

    def __getitem__(self, idx: int) -> dict:
        item = super().__getitem__(idx)
        item['translated'] = self.translated[idx]
        return item

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(source={type(self.source).__name__}'
                f' ({len(self.source)}), translated '
                f'({len(self.translated)}), target='
                f'{type(self.target).__name__} ({len(self.target)}), '
                f'target_sampling={self.target_sampling}, seed={self.seed})')

import os.path as osp
from typing import Optional

from udaplug.registry import STAGES
from ..translation import (TRANSLATE_INFO, TRANSLATED_DATASET_FILE,
                           source_dataset_cfg, translate_dataset)
from .base import WriterStage, config_file_output


@STAGES.register_module()
class TranslateStage(WriterStage):
    """Translate a source dataset offline with a trained generator
    (:func:`udaplug.pipelines.translation.translate_dataset`, the writer of
    ``tools/translate.py``), into the stage's work dir.

    The model (``config`` + ``checkpoint``, usually references to a train
    stage) must declare a source-to-target generator
    (``can_translate_source`` / ``translate_source``).

    Outputs:
        dataset: the dataset config reading the translated images, labels
            (and depth), e.g. for ``train_dataloader.dataset.source``;
        dir: the output folder (the stage's work dir);
        info: the path of ``translate_info.json``.

    Args:
        name, config, checkpoint, cfg_options, batch_size, num_workers,
            device: see :class:`WriterStage`.
        dataset (dict | str, optional): The dataset to translate: a dataset
            config, or a config path whose training source is used.
            Defaults to ``config``'s training source.
        max_images (int, optional): Translate only the first N images.
    """
    outputs = ('dataset', 'dir', 'info')

    def __init__(self, *args, max_images: Optional[int] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_images = max_images

    def dataset_of(self, cfg, what: str) -> dict:
        return source_dataset_cfg(cfg)

    def run(self, ctx) -> dict:
        translate_dataset(
            self.cfg,
            self.checkpoint,
            ctx.work_dir,
            max_images=self.max_images,
            source=self.dataset_cfg,
            command=ctx.command_hint(),
            quiet=True,
            **self.writer_kwargs())
        return dict(
            dataset=config_file_output(
                osp.join(ctx.work_dir, TRANSLATED_DATASET_FILE),
                'translated_source'),
            dir=ctx.work_dir,
            info=osp.join(ctx.work_dir, TRANSLATE_INFO))

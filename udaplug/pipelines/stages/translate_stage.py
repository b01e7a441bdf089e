import os.path as osp
from typing import Optional, Union

from mmengine.config import Config

from udaplug.registry import STAGES
from ..offline import plain
from ..translation import (TRANSLATE_INFO, TRANSLATED_DATASET_FILE,
                           source_dataset_cfg, translate_dataset)
from .base import BaseStage, config_file_output, config_fingerprint


@STAGES.register_module()
class TranslateStage(BaseStage):
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
        name (str): Stage name.
        config (str): The model's config (path relative to the pipeline
            config, or a reference).
        checkpoint (str): Its checkpoint (path or reference).
        dataset (dict | str, optional): The dataset to translate: a dataset
            config, or a config path whose training source is used.
            Defaults to ``config``'s training source.
        cfg_options (dict, optional): Changes to ``config``.
        max_images (int, optional): Translate only the first N images.
        batch_size (int): Images per forward pass.
        num_workers (int): Data-loading worker processes.
        device (str, optional): Defaults to the current GPU, else the CPU.
    """
    outputs = ('dataset', 'dir', 'info')

    def __init__(self,
                 name: str,
                 config: str,
                 checkpoint: str,
                 dataset: Union[None, dict, str] = None,
                 cfg_options: Optional[dict] = None,
                 max_images: Optional[int] = None,
                 batch_size: int = 1,
                 num_workers: int = 0,
                 device: Optional[str] = None) -> None:
        super().__init__(name)
        self.config = config
        self.checkpoint = checkpoint
        self.dataset = dataset
        self.cfg_options = cfg_options or {}
        self.max_images = max_images
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.device = device

    def setup(self, ctx) -> None:
        self.cfg = ctx.load_config(self.config, self.cfg_options)
        if isinstance(self.dataset, str):
            self.source = source_dataset_cfg(ctx.load_config(self.dataset))
        elif self.dataset is not None:
            self.source = plain(self.dataset)
        else:
            self.source = source_dataset_cfg(self.cfg)

    def fingerprint(self, ctx):
        return dict(
            model=config_fingerprint(self.cfg),
            dataset=config_fingerprint(Config(self.source)))

    def run(self, ctx) -> dict:
        translate_dataset(
            self.cfg,
            self.checkpoint,
            ctx.work_dir,
            max_images=self.max_images,
            device=self.device,
            source=self.source,
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            command=ctx.command_hint(),
            quiet=True)
        return dict(
            dataset=config_file_output(
                osp.join(ctx.work_dir, TRANSLATED_DATASET_FILE),
                'translated_source'),
            dir=ctx.work_dir,
            info=osp.join(ctx.work_dir, TRANSLATE_INFO))

import os.path as osp
from typing import Optional, Sequence, Union

from mmengine.config import Config

from udaplug.models.uda.pseudo_labels import (BDL_CAP, BDL_QUANTILE,
                                              DEFAULT_BINS)
from udaplug.registry import STAGES
from ..offline import plain
from ..pseudo_label_writer import (PSEUDO_LABEL_DATASET_FILE,
                                   PSEUDO_LABEL_INFO, parse_threshold,
                                   target_dataset_cfg, write_pseudo_labels)
from .base import BaseStage, config_file_output, config_fingerprint


@STAGES.register_module()
class PseudoLabelStage(BaseStage):
    """Write pseudo-labels for the target training set with a trained model
    (:func:`udaplug.pipelines.pseudo_label_writer.write_pseudo_labels`, the
    writer of ``tools/pseudo_label.py``), into the stage's work dir.

    The model predicts with its prediction network (``predict`` mode; for
    udaplug models the network ``predict_on`` names, e.g. a mean teacher:
    ``cfg_options={'model.predict_on': 'teacher'}``).

    Outputs:
        dataset: the target dataset config reading the pseudo-labels (its
            training pipeline with ``LoadAnnotations``), e.g. for a
            ``UDADataset``'s ``target`` (with ``allow_target_labels=True``)
            or a ``ConcatDataset`` with the source;
        dir: the output folder (the stage's work dir);
        info: the path of ``pseudo_label_info.json``;
        thresholds: the class-wise thresholds used (``'classwise'`` or a
            list), else None.

    Args:
        name (str): Stage name.
        config (str): The model's config (path relative to the pipeline
            config, or a reference).
        checkpoint (str): Its checkpoint (path or reference).
        dataset (dict | str, optional): The target training set: a dataset
            config, or a config path whose ``UDADataset`` target is used.
            Defaults to ``config``'s target.
        threshold (float | str | list, optional): None (arg-max everywhere),
            a confidence threshold (Musto & Zinelli: 0.9), one per class,
            or ``'classwise'`` (BDL: per-class median, capped).
        quantile (float): ``'classwise'``: the order statistic (BDL 0.5).
        cap (float): ``'classwise'``: the cap (BDL 0.9).
        bins (int): ``'classwise'``: histogram bins (precision 1 / bins).
        cfg_options (dict, optional): Changes to ``config``.
        batch_size (int): Images per forward pass.
        num_workers (int): Data-loading worker processes.
        device (str, optional): Defaults to the current GPU, else the CPU.
    """
    outputs = ('dataset', 'dir', 'info', 'thresholds')

    def __init__(self,
                 name: str,
                 config: str,
                 checkpoint: str,
                 dataset: Union[None, dict, str] = None,
                 threshold: Union[None, float, str, Sequence[float]] = None,
                 quantile: float = BDL_QUANTILE,
                 cap: Optional[float] = BDL_CAP,
                 bins: int = DEFAULT_BINS,
                 cfg_options: Optional[dict] = None,
                 batch_size: int = 1,
                 num_workers: int = 0,
                 device: Optional[str] = None) -> None:
        super().__init__(name)
        try:
            self.settings = parse_threshold(threshold, quantile, cap, bins)
        except ValueError as err:
            raise ValueError(f'PseudoLabelStage "{name}": {err}') from None
        self.config = config
        self.checkpoint = checkpoint
        self.dataset = dataset
        self.threshold = threshold
        self.quantile = quantile
        self.cap = cap
        self.bins = bins
        self.cfg_options = cfg_options or {}
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.device = device

    def setup(self, ctx) -> None:
        self.cfg = ctx.load_config(self.config, self.cfg_options)
        if isinstance(self.dataset, str):
            self.target = target_dataset_cfg(
                ctx.load_config(self.dataset), what=self.dataset)
        elif self.dataset is not None:
            self.target = plain(self.dataset)
        else:
            self.target = target_dataset_cfg(self.cfg, what=self.config)

    def fingerprint(self, ctx):
        return dict(
            model=config_fingerprint(self.cfg),
            dataset=config_fingerprint(Config(self.target)))

    def run(self, ctx) -> dict:
        info = write_pseudo_labels(
            self.cfg,
            self.checkpoint,
            ctx.work_dir,
            dataset=self.target,
            threshold=self.threshold,
            quantile=self.quantile,
            cap=self.cap,
            bins=self.bins,
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            device=self.device,
            command=ctx.command_hint(),
            quiet=True)
        return dict(
            dataset=config_file_output(
                osp.join(ctx.work_dir, PSEUDO_LABEL_DATASET_FILE),
                'pseudo_labelled_target'),
            dir=ctx.work_dir,
            info=osp.join(ctx.work_dir, PSEUDO_LABEL_INFO),
            thresholds=info['threshold'].get('values'))

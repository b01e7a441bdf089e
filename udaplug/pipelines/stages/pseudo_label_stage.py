import os.path as osp
from typing import Optional, Sequence, Union

from udaplug.models.uda.pseudo_labels import (BDL_CAP, BDL_QUANTILE,
                                              DEFAULT_BINS)
from udaplug.registry import STAGES
from ..pseudo_label_writer import (PSEUDO_LABEL_DATASET_FILE,
                                   PSEUDO_LABEL_INFO, parse_threshold,
                                   target_dataset_cfg, write_pseudo_labels)
from .base import WriterStage, config_file_output


@STAGES.register_module()
class PseudoLabelStage(WriterStage):
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
        name, config, checkpoint, cfg_options, batch_size, num_workers,
            device: see :class:`WriterStage`.
        dataset (dict | str, optional): The target training set: a dataset
            config, or a config path whose ``UDADataset`` target is used.
            Defaults to ``config``'s target.
        threshold (float | str | list, optional): None (arg-max everywhere),
            a confidence threshold (Musto & Zinelli: 0.9), one per class,
            or ``'classwise'`` (BDL: per-class median, capped).
        quantile (float): ``'classwise'``: the order statistic (BDL 0.5).
        cap (float): ``'classwise'``: the cap (BDL 0.9).
        bins (int): ``'classwise'``: histogram bins (precision 1 / bins).
    """
    outputs = ('dataset', 'dir', 'info', 'thresholds')

    def __init__(self,
                 *args,
                 threshold: Union[None, float, str, Sequence[float]] = None,
                 quantile: float = BDL_QUANTILE,
                 cap: Optional[float] = BDL_CAP,
                 bins: int = DEFAULT_BINS,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        try:
            parse_threshold(threshold, quantile, cap, bins)
        except ValueError as err:
            raise ValueError(
                f'PseudoLabelStage "{self.name}": {err}') from None
        self.threshold = threshold
        self.quantile = quantile
        self.cap = cap
        self.bins = bins

    def dataset_of(self, cfg, what: str) -> dict:
        return target_dataset_cfg(cfg, what=what)

    def run(self, ctx) -> dict:
        info = write_pseudo_labels(
            self.cfg,
            self.checkpoint,
            ctx.work_dir,
            dataset=self.dataset_cfg,
            threshold=self.threshold,
            quantile=self.quantile,
            cap=self.cap,
            bins=self.bins,
            command=ctx.command_hint(),
            quiet=True,
            **self.writer_kwargs())
        return dict(
            dataset=config_file_output(
                osp.join(ctx.work_dir, PSEUDO_LABEL_DATASET_FILE),
                'pseudo_labelled_target'),
            dir=ctx.work_dir,
            info=osp.join(ctx.work_dir, PSEUDO_LABEL_INFO),
            thresholds=info['threshold'].get('values'))

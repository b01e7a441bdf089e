from collections import OrderedDict
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation import IoUMetric
from prettytable import PrettyTable

from udaplug.datasets.checks import ClassMismatchError, check_num_classes
from udaplug.registry import METRICS


@METRICS.register_module()
class SubsetIoUMetric(IoUMetric):
    """mmseg's IoU metric plus per-class IoU keys and class-subset means.

    Reported keys (percent, 2 decimals, as mmseg): ``aAcc``, ``mIoU`` (all
    classes), ``mAcc``, ``IoU.<class>`` for every class, ``<all_name>`` (a
    copy of ``mIoU`` under a second name, e.g. ``mIoU16``) and one key per
    entry of ``subsets`` (mean IoU over those classes, e.g. ``mIoU13``).
    Classes without ground truth and predictions (NaN IoU) are left out of
    the means, as in mmseg.

    It also checks, on the first batch, that the model's ``seg_logits`` have
    one channel per dataset class.

    Args:
        subsets (dict[str, list[str]], optional): Named class subsets, e.g.
            ``dict(mIoU13=[...13 names...])``. Every name must be one of the
            dataset's classes.
        all_name (str, optional): Second name of the all-classes mean.
        **kwargs: :class:`mmseg.evaluation.IoUMetric` arguments.
    """

    def __init__(self,
                 subsets: Optional[Dict[str, Sequence[str]]] = None,
                 all_name: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.subsets = {k: list(v) for k, v in (subsets or {}).items()}
        for key, names in self.subsets.items():
            if not names:
                raise ValueError(f'SubsetIoUMetric: subset "{key}" is empty')
        self.all_name = all_name
        self._checked_logits = False

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        self._dataset_meta = dataset_meta
        if dataset_meta is not None:
            self._check_subsets(dataset_meta.get('classes') or ())

    def _check_subsets(self, classes: Sequence[str]) -> None:
        for key, names in self.subsets.items():
            unknown = [n for n in names if n not in classes]
            if unknown:
                raise ClassMismatchError(
                    f'SubsetIoUMetric: subset "{key}" names {unknown}, which '
                    f'are not classes of the dataset {tuple(classes)}')

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        if not self._checked_logits and data_samples:
            logits = data_samples[0].get('seg_logits', None)
            channels = None if logits is None else int(logits['data'].shape[0])
            # one channel is mmseg's binary segmentation (two classes)
            if channels is not None and not (channels == 1 and len(
                    self.dataset_meta['classes']) == 2):
                check_num_classes(channels, self.dataset_meta,
                                  'model output (seg_logits channels)')
            self._checked_logits = True
        super().process(data_batch, data_samples)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        logger: MMLogger = MMLogger.get_current_instance()
        if self.format_only:
            return super().compute_metrics(results)
        results = tuple(zip(*results))
        area_intersect, area_union, area_pred, area_label = (
            sum(r) for r in results)
        ret = self.total_area_to_metrics(area_intersect, area_union, area_pred,
                                         area_label, self.metrics,
                                         self.nan_to_num, self.beta)
        classes = list(self.dataset_meta['classes'])
        self._check_subsets(classes)

        def pct(value) -> float:
            return float(np.round(value * 100, 2))

        metrics = OrderedDict()
        metrics['aAcc'] = pct(ret['aAcc'])
        for key, value in ret.items():
            if key != 'aAcc':
                metrics['m' + key] = pct(np.nanmean(value))
        iou = ret.get('IoU')
        if iou is not None:
            if self.all_name:
                metrics[self.all_name] = metrics['mIoU']
            for key, names in self.subsets.items():
                idx = [classes.index(n) for n in names]
                metrics[key] = pct(np.nanmean(iou[idx]))
            for name, value in zip(classes, iou):
                metrics[f'IoU.{name}'] = pct(value)

        table = PrettyTable()
        table.add_column('Class', classes)
        for key, value in ret.items():
            if key != 'aAcc':
                table.add_column(key, [pct(v) for v in value])
        print_log('per class results:', logger)
        print_log('\n' + table.get_string(), logger=logger)
        summary = ', '.join(f'{k}: {v}' for k, v in metrics.items()
                            if not k.startswith('IoU.'))
        print_log(summary, logger=logger)
        return metrics

from .subset_iou_metric import SubsetIoUMetric

__all__ = ['SubsetIoUMetric']

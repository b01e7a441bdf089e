from .metrics import SubsetIoUMetric

__all__ = ['SubsetIoUMetric']

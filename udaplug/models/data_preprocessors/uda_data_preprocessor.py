from typing import Any, Dict

from mmseg.models.data_preprocessor import SegDataPreProcessor

from udaplug.registry import MODELS


@MODELS.register_module()
class UDADataPreProcessor(SegDataPreProcessor):
    """mmseg's :class:`SegDataPreProcessor` for paired batches.

    A training batch of :class:`udaplug.datasets.UDADataset` is
    ``{'source': {'inputs', 'data_samples'}, 'target': {...}}``; each domain
    is normalised and padded on its own (the two may have different sizes).
    Plain batches (validation and test on the target set) are processed as
    mmseg does. Without ``size`` or ``size_divisor``, training batches are
    padded only to their largest image (``size_divisor=1``).
    """

    def __init__(self, size=None, size_divisor=None, **kwargs):
        if size is None and size_divisor is None:
            size_divisor = 1
        super().__init__(size=size, size_divisor=size_divisor, **kwargs)

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        if 'inputs' in data:
            return super().forward(data, training)
        processed = {}
        for domain, batch in data.items():
            processed[domain] = super().forward(batch, training)
        return processed

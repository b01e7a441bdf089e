from typing import Dict, List

from mmseg.utils import SampleList
from torch import Tensor


class MultiOutputHead:
    """Interface of decode heads with several named outputs (e.g.
    :class:`JointSemanticDepthHead`: ``'seg'`` and ``'depth'``), which
    :class:`~udaplug.models.segmentors.MultiOutputEncoderDecoder` calls
    instead of ``forward`` / ``loss_by_feat``. Mix it into a decode head
    (``class MyHead(BaseDecodeHead, MultiOutputHead)``) and implement both
    methods."""

    def forward_outputs(self, inputs: List[Tensor]) -> Dict[str, Tensor]:
        """The head's outputs by name for the backbone/neck features."""
        raise NotImplementedError(
            f'{type(self).__name__} must implement forward_outputs')

    def loss_by_outputs(self, outputs: Dict[str, Tensor],
                        data_samples: SampleList) -> Dict[str, Tensor]:
        """The head's losses from :meth:`forward_outputs`'s result (and the
        other heads' outputs in ``outputs``)."""
        raise NotImplementedError(
            f'{type(self).__name__} must implement loss_by_outputs')

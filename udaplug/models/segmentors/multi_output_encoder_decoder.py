from contextlib import contextmanager
from typing import Dict, List, Optional

import torch
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.utils import OptSampleList, SampleList, add_prefix
from torch import Tensor, nn

from udaplug.registry import MODELS
from ..decode_heads.multi_output_head import MultiOutputHead


class _PixelWeightSampler:
    """Stands in for a decode head's pixel sampler: returns a fixed
    per-pixel weight (times the head's own sampler's, if any)."""

    def __init__(self, weight: Tensor, inner=None):
        self.weight = weight
        self.inner = inner

    def sample(self, seg_logits: Tensor, seg_label: Tensor) -> Tensor:
        expected = (seg_label.shape[0], *seg_label.shape[2:])
        if tuple(self.weight.shape) != tuple(expected):
            raise ValueError(
                f'pixel_weight has shape {tuple(self.weight.shape)}; it must '
                f'be (N, H, W) at the size of the labels, {expected}')
        weight = self.weight.to(seg_logits.device, torch.float32)
        if self.inner is not None:
            weight = weight * self.inner.sample(seg_logits, seg_label)
        return weight


@contextmanager
def pixel_weighted(head: nn.Module, weight: Optional[Tensor]):
    """Within the context, ``head.loss_by_feat`` weights each pixel's loss
    by ``weight`` (N, H, W) (no change when ``weight`` is None)."""
    if weight is None:
        yield
        return
    own = getattr(head, 'sampler', None)
    head.sampler = _PixelWeightSampler(weight.detach(), own)
    try:
        yield
    finally:
        head.sampler = own


@MODELS.register_module()
class MultiOutputEncoderDecoder(EncoderDecoder):
    """mmseg's :class:`EncoderDecoder` that can also return every head's
    output from one feature extraction.

    Everything mmseg does (``loss``, ``predict``, ``tensor`` modes, slide
    inference, checkpoints) is unchanged. ``mode='outputs'`` returns a dict of
    raw logits, which adaptation methods need beside the supervised loss:

    - ``'seg'``: the decode head's segmentation logits,
    - ``'aux'`` (one auxiliary head) or ``'aux0'``, ``'aux1'``, … (a list),
    - any further outputs of multi-task heads: a head with a
      ``forward_outputs(x) -> dict`` method (e.g. ``{'seg': …, 'depth': …}``)
      contributes all of them.

    With ``features=True`` the dict also holds ``'features'``: the tuple of
    feature maps of ``extract_feat`` (backbone, then neck), for feature-level
    discriminators (e.g. ``outputs['features'][-1]``, the encoder output
    before the decode head).

    :meth:`loss_by_outputs` turns such a dict into the same loss dict that
    :meth:`loss` returns, so the features are extracted only once; it takes
    an optional per-pixel weight (e.g. pseudo-label confidences).
    """

    def forward(self,
                inputs: Tensor,
                data_samples: OptSampleList = None,
                mode: str = 'tensor',
                features: bool = False):
        if mode == 'outputs':
            return self.forward_outputs(inputs, features=features)
        return super().forward(inputs, data_samples, mode)

    def aux_heads(self) -> Dict[str, nn.Module]:
        """The auxiliary heads by output name (``aux`` or ``aux0``, …)."""
        if not self.with_auxiliary_head:
            return {}
        if isinstance(self.auxiliary_head, nn.ModuleList):
            return {f'aux{i}': h for i, h in enumerate(self.auxiliary_head)}
        return {'aux': self.auxiliary_head}

    @staticmethod
    def _head_outputs(head: nn.Module, x: List[Tensor],
                      name: str) -> Dict[str, Tensor]:
        if isinstance(head, MultiOutputHead):
            return dict(head.forward_outputs(x))
        return {name: head(x)}

    def forward_outputs(self,
                        inputs: Tensor,
                        features: bool = False) -> Dict[str, Tensor]:
        """Logits of every head for ``inputs`` (N, C, H, W); with
        ``features`` also the feature maps (``'features'``)."""
        x = self.extract_feat(inputs)
        outputs = self._head_outputs(self.decode_head, x, 'seg')
        for name, head in self.aux_heads().items():
            outputs.update(self._head_outputs(head, x, name))
        if features:
            outputs['features'] = tuple(x)
        return outputs

    def loss_by_outputs(
            self,
            outputs: Dict[str, Tensor],
            data_samples: SampleList,
            pixel_weight: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Supervised losses from :meth:`forward_outputs`'s result; the keys
        match :meth:`loss` (``decode.loss_ce``, ``aux.loss_ce``, …).

        ``pixel_weight`` (N, H, W), at the size of the labels, multiplies
        each pixel's loss in every head (through mmseg's per-pixel
        ``seg_weight`` of ``BaseDecodeHead.loss_by_feat``; combined with a
        head's own pixel sampler, if any)."""
        losses = {}
        heads = {'seg': self.decode_head, **self.aux_heads()}
        for name, head in heads.items():
            prefix = 'decode' if name == 'seg' else name
            with pixel_weighted(head, pixel_weight):
                if isinstance(head, MultiOutputHead):
                    head_losses = head.loss_by_outputs(outputs, data_samples)
                else:
                    head_losses = head.loss_by_feat(outputs[name],
                                                    data_samples)
            losses.update(add_prefix(head_losses, prefix))
        return losses

    def resize_to_input(self, logits: Tensor, size: Optional[tuple]) -> Tensor:
        """Upsample logits to ``size`` with the decode head's
        ``align_corners`` (how mmseg upsamples for its losses)."""
        return resize(
            logits,
            size=size,
            mode='bilinear',
            align_corners=self.decode_head.align_corners)

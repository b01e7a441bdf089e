from typing import Dict, List, Optional

from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.utils import OptSampleList, SampleList, add_prefix
from torch import Tensor, nn

from udaplug.registry import MODELS


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

    :meth:`loss_by_outputs` turns such a dict into the same loss dict that
    :meth:`loss` returns, so the features are extracted only once.
    """

    def forward(self,
                inputs: Tensor,
                data_samples: OptSampleList = None,
                mode: str = 'tensor'):
        if mode == 'outputs':
            return self.forward_outputs(inputs)
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
        if hasattr(head, 'forward_outputs'):
            return dict(head.forward_outputs(x))
        return {name: head(x)}

    def forward_outputs(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Logits of every head for ``inputs`` (N, C, H, W)."""
        x = self.extract_feat(inputs)
        outputs = self._head_outputs(self.decode_head, x, 'seg')
        for name, head in self.aux_heads().items():
            outputs.update(self._head_outputs(head, x, name))
        return outputs

    def loss_by_outputs(self, outputs: Dict[str, Tensor],
                        data_samples: SampleList) -> Dict[str, Tensor]:
        """Supervised losses from :meth:`forward_outputs`'s result; the keys
        match :meth:`loss` (``decode.loss_ce``, ``aux.loss_ce``, …)."""
        losses = {}
        heads = {'seg': self.decode_head, **self.aux_heads()}
        for name, head in heads.items():
            prefix = 'decode' if name == 'seg' else name
            if hasattr(head, 'loss_by_outputs'):
                head_losses = head.loss_by_outputs(outputs, data_samples)
            else:
                head_losses = head.loss_by_feat(outputs[name], data_samples)
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

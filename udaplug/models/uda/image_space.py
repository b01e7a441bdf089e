from typing import Tuple

import torch.nn.functional as F
from torch import Tensor


class ImageSpaceMixin:
    """Pixel-range conversions and padded translation for UDA models whose
    generators work on images.

    The segmentation network sees images normalised by the data
    preprocessor, ``(x - mean) / std`` on 8-bit pixel values in the loaded
    channel order; generators and image discriminators work in tanh range
    [-1, 1] (CycleGAN, SPADE, StyleGAN-style generators). The conversions are
    differentiable, so a task loss on a translated image reaches the
    generator:

    - :meth:`to_tanh_range`: ``(x * std + mean) / 127.5 - 1``;
    - :meth:`from_tanh_range`: ``((y + 1) * 127.5 - mean) / std``;
    - :meth:`to_unit_rgb`: either space -> RGB in [0, 1] (for saving and
      visualisation; undoes the BGR order of images loaded by mmcv unless the
      preprocessor converted them).

    The model must have a ``data_preprocessor`` (mmseg's
    ``SegDataPreProcessor`` or udaplug's ``UDADataPreProcessor``) and a
    ``network(name, wrapped)`` method (:class:`BaseUDASegmentor`).
    """

    def _pixel_stats(self, like: Tensor) -> Tuple[Tensor, Tensor]:
        pre = self.data_preprocessor
        if getattr(pre, '_enable_normalize', False):
            return (pre.mean.view(1, -1, 1,
                                  1).to(like), pre.std.view(1, -1, 1,
                                                            1).to(like))
        return like.new_zeros(()), like.new_ones(())

    def to_tanh_range(self, inputs: Tensor) -> Tensor:
        """Preprocessed (normalised) images -> [-1, 1]."""
        mean, std = self._pixel_stats(inputs)
        return (inputs * std + mean) / 127.5 - 1

    def from_tanh_range(self, images: Tensor) -> Tensor:
        """[-1, 1] images -> the segmentation network's normalised input
        space."""
        mean, std = self._pixel_stats(images)
        return ((images + 1) * 127.5 - mean) / std

    def to_unit_rgb(self, images: Tensor, tanh: bool = False) -> Tensor:
        """Preprocessed (or, with ``tanh``, [-1, 1]) images -> RGB in
        [0, 1]."""
        if not tanh:
            images = self.to_tanh_range(images)
        images = ((images + 1) / 2).clamp(0, 1)
        if not getattr(self.data_preprocessor, 'channel_conversion', False):
            images = images.flip(1)  # BGR as loaded by mmcv -> RGB
        return images

    def translate(self,
                  name: str,
                  inputs: Tensor,
                  *args,
                  wrapped: bool = True,
                  size_divisor: int = 4,
                  **kwargs) -> Tensor:
        """Generator ``name`` applied to ``inputs`` (N, C, H, W). Inputs
        whose size is not a multiple of ``size_divisor`` (2 to the number of
        the generator's stride-2 stages; 4 for CycleGAN's ResNet generator)
        are reflect-padded and the output cropped back, so any image size
        works. Further arguments go to the generator (e.g. SPADE's semantic
        maps, padded alike when they are tensors of the input's size)."""
        gen = self.network(name, wrapped=wrapped)
        h, w = inputs.shape[2:]
        pad_h, pad_w = (-h) % size_divisor, (-w) % size_divisor

        def pad(x):
            if not (pad_h or pad_w) or not isinstance(x, Tensor) or \
                    x.dim() != 4 or tuple(x.shape[2:]) != (h, w):
                return x
            return F.pad(x, (0, pad_w, 0, pad_h), mode='reflect')

        out = gen(
            pad(inputs), *[pad(a) for a in args], **{
                k: pad(v)
                for k, v in kwargs.items()
            })
        return out[:, :, :h, :w]

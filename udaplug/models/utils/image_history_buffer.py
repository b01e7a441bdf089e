"""mmagic's GAN image history buffer, saved with the model."""
from typing import List

import torch
from mmagic.models.editors.cyclegan.cyclegan_modules import GANImageBuffer
from torch import Tensor, nn

from .packed_state import pack_state, unpack_state


class ImageHistoryBuffer(nn.Module):
    """The image history of Shrivastava et al. (CVPR 2017) that CycleGAN
    feeds its discriminators with: mmagic's ``GANImageBuffer`` (up to
    ``buffer_size`` earlier generator outputs; once full, each queried
    image is, with probability ``buffer_ratio``, swapped for a random stored
    one), as a module whose contents are part of the model's state dict, so
    that a resumed run continues with the same history.

    mmagic's buffer draws from numpy's global generator; draw inside an
    :class:`RNGStream` to make the choices resumable too. Images are stored
    detached on their device and moved to the device of the query.

    Args:
        buffer_size (int): Images kept. 0 disables the buffer (queries
            return their input). Defaults to 50 (CycleGAN; Toldo et al.'s
            ``--pool_size 50``).
        buffer_ratio (float): Probability of returning a stored image once
            the buffer is full. Defaults to 0.5.
        persistent (bool): Whether the stored images go into the state dict
            (exact resume; 50 images of 3x600x600 are 216 MB per buffer).
            Defaults to True.
    """

    def __init__(self,
                 buffer_size: int = 50,
                 buffer_ratio: float = 0.5,
                 persistent: bool = True) -> None:
        super().__init__()
        self.buffer = GANImageBuffer(buffer_size, buffer_ratio)
        self.buffer_size = buffer_size
        self.buffer_ratio = buffer_ratio
        self.persistent = persistent

    def __len__(self) -> int:
        return self.buffer.img_num if self.buffer_size > 0 else 0

    @torch.no_grad()
    def query(self, images: Tensor) -> Tensor:
        """The images a discriminator sees for ``images`` (N, C, H, W):
        each is the image itself or an earlier one (detached)."""
        if self.buffer_size > 0:
            stored = self.buffer.image_buffer
            for i, image in enumerate(stored):
                if image.device != images.device:
                    stored[i] = image.to(images.device)
        return self.buffer.query(images.detach())

    @property
    def images(self) -> List[Tensor]:
        """The stored images, (1, C, H, W) each."""
        return list(self.buffer.image_buffer) if self.buffer_size else []

    def get_extra_state(self) -> Tensor:
        images = self.images if self.persistent else []
        return pack_state(dict(images=[img.cpu() for img in images]))

    def set_extra_state(self, packed: Tensor) -> None:
        if not self.persistent or self.buffer_size == 0:
            return
        images = list(unpack_state(packed)['images'])
        if len(images) > self.buffer_size:
            raise ValueError(
                f'{type(self).__name__}: the checkpoint holds {len(images)} '
                f'images, more than buffer_size={self.buffer_size}')
        self.buffer.image_buffer = images
        self.buffer.img_num = len(images)

    def extra_repr(self) -> str:
        return (f'buffer_size={self.buffer_size}, '
                f'buffer_ratio={self.buffer_ratio}, '
                f'persistent={self.persistent}')

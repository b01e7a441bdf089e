"""DACS's random Gaussian blur on batched image tensors."""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from udaplug.registry import MODELS


def dacs_kernel_size(size: int, ratio: float = 0.1) -> int:
    """The official kernel size for an image side of ``size`` pixels:
    ``floor(ceil(r * size) - 0.5 + ceil(r * size) % 2)``, the odd number
    nearest below or at ``ceil(r * size)``."""
    k = math.ceil(ratio * size)
    return int(math.floor(k - 0.5 + k % 2))


def gaussian_kernel1d(size: int, sigma: Tensor) -> Tensor:
    """Normalised 1-D Gaussian kernels, one row per sigma: (len(sigma),
    size), centred on ``size // 2``."""
    x = torch.arange(size, dtype=sigma.dtype, device=sigma.device)
    x = x - size // 2
    g = torch.exp(-x[None]**2 / (2 * sigma[:, None]**2))
    return g / g.sum(-1, keepdim=True)


def gaussian_blur(images: Tensor, kernel_size: Tuple[int, int],
                  sigma: Tensor) -> Tensor:
    """Blur each image of (N, C, H, W) with its own sigma (N,) by a
    separable Gaussian of ``kernel_size`` (ky, kx), reflect padding (as
    kornia's ``GaussianBlur2d``)."""
    n, c, h, w = images.shape
    ky, kx = kernel_size
    sigma = sigma.to(images)
    gy = gaussian_kernel1d(ky, sigma).repeat_interleave(c, 0)
    gx = gaussian_kernel1d(kx, sigma).repeat_interleave(c, 0)
    x = images.reshape(1, n * c, h, w)
    x = F.pad(
        x, ((kx - 1) // 2, kx // 2, (ky - 1) // 2, ky // 2), mode='reflect')
    x = F.conv2d(x, gy.view(n * c, 1, ky, 1), groups=n * c)
    x = F.conv2d(x, gx.view(n * c, 1, 1, kx), groups=n * c)
    return x.view(n, c, h, w)


@MODELS.register_module()
class BatchGaussianBlur:
    """Random Gaussian blur of a batch of images, as DACS applies it to the
    mixed images (Tranheden et al., WACV 2021, Sec. 4.1 "Gaussian
    blurring"; official ``utils/transformsgpu.py`` ``gaussian_blur``,
    DAFormer's ``dacs_transforms.gaussian_blur``):

    - with probability ``prob`` (the code's ``uniform(0, 1) > 0.5``), drawn
      once per call, the whole batch is blurred;
    - each image with its own ``sigma ~ U(sigma_range)``;
    - the kernel covers about ``kernel_ratio`` of the image side in each
      direction (:func:`dacs_kernel_size`), reflect padding (kornia's
      ``GaussianBlur2d`` default).

    The blur is linear and its kernel sums to one, so it acts the same on
    normalised images as on [0, 1] ones: no mean/std are needed.

    Args:
        prob (float): Probability of blurring a batch. Official: 0.5.
        sigma_range (tuple[float, float]): Official: (0.15, 1.15).
        kernel_ratio (float): Official: 0.1.
    """

    def __init__(self,
                 prob: float = 0.5,
                 sigma_range: Tuple[float, float] = (0.15, 1.15),
                 kernel_ratio: float = 0.1) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'BatchGaussianBlur: prob must be in [0, 1], '
                             f'got {prob}')
        lo, hi = sigma_range
        if not 0 < lo <= hi:
            raise ValueError('BatchGaussianBlur: sigma_range must be '
                             f'(lo, hi) with 0 < lo <= hi, got {sigma_range}')
        self.prob = float(prob)
        self.sigma_range = (float(lo), float(hi))
        self.kernel_ratio = float(kernel_ratio)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'sigma_range={self.sigma_range}, '
                f'kernel_ratio={self.kernel_ratio})')

    def kernel_size(self, height: int, width: int) -> Tuple[int, int]:
        return (dacs_kernel_size(height, self.kernel_ratio),
                dacs_kernel_size(width, self.kernel_ratio))

    def __call__(self,
                 inputs: Tensor,
                 generator: Optional[torch.Generator] = None) -> Tensor:
        """Blur a batch (N, C, H, W) with probability ``prob``."""
        if inputs.dim() != 4:
            raise ValueError('BatchGaussianBlur: expected images (N, C, H, '
                             f'W), got {tuple(inputs.shape)}')
        if torch.rand(1, generator=generator).item() >= self.prob:
            return inputs
        lo, hi = self.sigma_range
        sigma = lo + (hi - lo) * torch.rand(
            inputs.shape[0], generator=generator)
        ky, kx = self.kernel_size(*inputs.shape[2:])
        if ky < 1 or kx < 1:
            return inputs
        dtype = inputs.dtype
        out = gaussian_blur(inputs.float(), (ky, kx), sigma)
        return out.to(dtype)

"""The strong input perturbation P of Brehm et al., ICAART 2022, Eq. (12):
colour jitter, Gaussian blur and noise."""
import math
from typing import Optional, Sequence, Tuple

import torch
import torchvision.transforms.v2.functional as TF
from torch import Tensor, nn

from udaplug.registry import MODELS


def _uniform(generator: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=generator))


@MODELS.register_module()
class PhotometricPerturbation(nn.Module):
    """Random colour jitter, Gaussian blur and additive Gaussian noise on a
    batch of RGB images in [0, 1], each image with its own parameters.

    "P(x_t) is a strongly perturbed version of the input image x_t. Similar
    to (Zhou et al., 2020), we utilise color jittering, Gaussian blurring and
    noise as perturbations" (Brehm et al., Sec. 3.3). Neither paper gives the
    strengths; the defaults are torchvision's usual ColorJitter strengths
    (0.4 brightness/contrast/saturation, 0.1 hue), SimCLR's blur sigma range
    (0.1-2.0) and noise of standard deviation 0.05, all applied to every
    image ("strongly perturbed").

    Per image, in this order: brightness, contrast, saturation factors drawn
    from ``[1 - s, 1 + s]`` and a hue shift from ``[-h, h]`` (torchvision's
    functional ``adjust_*``), a Gaussian blur with sigma from
    ``blur_sigma`` (kernel ``2 * ceil(3 * sigma) + 1``, at most the image
    size), then ``noise_std`` times standard normal noise; the result is
    clamped to [0, 1]. All random numbers come from ``generator`` (never from
    the global random state), so a model can seed it per iteration and
    process for reproducible and resumable runs.

    Args:
        brightness (float): Brightness jitter s. Defaults to 0.4.
        contrast (float): Contrast jitter s. Defaults to 0.4.
        saturation (float): Saturation jitter s. Defaults to 0.4.
        hue (float): Hue jitter h (at most 0.5). Defaults to 0.1.
        blur_sigma (Sequence[float]): Range of the blur's sigma in pixels;
            (0, 0) disables the blur. Defaults to (0.1, 2.0).
        noise_std (float): Standard deviation of the noise (image range 1).
            Defaults to 0.05.
    """

    def __init__(self,
                 brightness: float = 0.4,
                 contrast: float = 0.4,
                 saturation: float = 0.4,
                 hue: float = 0.1,
                 blur_sigma: Sequence[float] = (0.1, 2.0),
                 noise_std: float = 0.05) -> None:
        super().__init__()
        for name, value in (('brightness', brightness), ('contrast', contrast),
                            ('saturation', saturation)):
            if not 0 <= value < 1:
                raise ValueError(f'PhotometricPerturbation: {name} must be in '
                                 f'[0, 1), got {value}')
        if not 0 <= hue <= 0.5:
            raise ValueError('PhotometricPerturbation: hue must be in '
                             f'[0, 0.5], got {hue}')
        blur_sigma = tuple(float(s) for s in blur_sigma)
        if len(blur_sigma) != 2 or not 0 <= blur_sigma[0] <= blur_sigma[1]:
            raise ValueError('PhotometricPerturbation: blur_sigma must be a '
                             f'range (low, high), got {blur_sigma}')
        if noise_std < 0:
            raise ValueError('PhotometricPerturbation: noise_std must be >= '
                             f'0, got {noise_std}')
        self.brightness = float(brightness)
        self.contrast = float(contrast)
        self.saturation = float(saturation)
        self.hue = float(hue)
        self.blur_sigma: Tuple[float, float] = blur_sigma
        self.noise_std = float(noise_std)

    def sample_params(self, generator: torch.Generator) -> dict:
        """One image's parameters."""
        sigma = _uniform(generator, *self.blur_sigma)
        return dict(
            brightness=_uniform(generator, 1 - self.brightness,
                                1 + self.brightness),
            contrast=_uniform(generator, 1 - self.contrast, 1 + self.contrast),
            saturation=_uniform(generator, 1 - self.saturation,
                                1 + self.saturation),
            hue=_uniform(generator, -self.hue, self.hue),
            sigma=sigma)

    def perturb_one(self, image: Tensor, params: dict) -> Tensor:
        """Colour jitter and blur of one (3, H, W) image in [0, 1]."""
        image = TF.adjust_brightness(image, params['brightness'])
        image = TF.adjust_contrast(image, params['contrast'])
        image = TF.adjust_saturation(image, params['saturation'])
        if params['hue'] != 0:
            image = TF.adjust_hue(image, params['hue'])
        sigma = params['sigma']
        if sigma > 0:
            size = 2 * math.ceil(3 * sigma) + 1
            # odd and at most the image size
            size_h = min(size, image.shape[-2] - (1 - image.shape[-2] % 2))
            size_w = min(size, image.shape[-1] - (1 - image.shape[-1] % 2))
            if size_h > 1 and size_w > 1:
                image = TF.gaussian_blur(
                    image, kernel_size=[size_w, size_h], sigma=[sigma, sigma])
        return image

    def forward(self,
                images: Tensor,
                generator: Optional[torch.Generator] = None) -> Tensor:
        """Perturb (N, 3, H, W) RGB images in [0, 1].

        Args:
            images (Tensor): The images (not modified).
            generator (torch.Generator, optional): CPU generator for every
                random number. Defaults to a new one seeded with 0.
        """
        if images.dim() != 4 or images.shape[1] != 3:
            raise ValueError('PhotometricPerturbation: expected (N, 3, H, W) '
                             f'RGB images, got {tuple(images.shape)}')
        if generator is None:
            generator = torch.Generator().manual_seed(0)
        out = []
        for image in images:
            out.append(self.perturb_one(image, self.sample_params(generator)))
        out = torch.stack(out)
        if self.noise_std > 0:
            noise = torch.randn(out.shape, generator=generator)
            out = out + self.noise_std * noise.to(out.device, out.dtype)
        return out.clamp(0, 1)

"""DACS's colour jitter on batched (normalised) image tensors."""
import math
from typing import Optional, Sequence

import torch
from torch import Tensor

from udaplug.registry import MODELS


def rgb_to_hsv(image: Tensor, eps: float = 1e-6) -> Tensor:
    """RGB in [0, 1] (..., 3, H, W) -> HSV with H in [0, 2*pi), S and V in
    [0, 1] (the convention of kornia 0.5, which DACS used)."""
    maxc, argmax = image.max(-3)
    minc = image.min(-3)[0]
    delta = maxc - minc
    s = delta / (maxc + eps)
    safe = torch.where(delta == 0, torch.ones_like(delta), delta)
    r, g, b = image.unbind(-3)
    rc, gc, bc = maxc - r, maxc - g, maxc - b
    # hue sector by the channel holding the maximum (first one on ties)
    h = torch.stack([bc - gc, 2.0 * safe + rc - bc, 4.0 * safe + gc - rc],
                    dim=-3)
    h = torch.gather(h, -3, argmax.unsqueeze(-3)).squeeze(-3) / safe
    h = (h / 6.0) % 1.0
    return torch.stack([2 * math.pi * h, s, maxc], dim=-3)


def hsv_to_rgb(image: Tensor) -> Tensor:
    """Inverse of :func:`rgb_to_hsv`."""
    h = image[..., 0, :, :] / (2 * math.pi)
    s, v = image[..., 1, :, :], image[..., 2, :, :]
    hi = torch.floor(h * 6) % 6
    f = ((h * 6) % 6) - hi
    p = v * (1 - s)
    q = v * (1 - f * s)
    t = v * (1 - (1 - f) * s)
    hi = hi.long()
    idx = torch.stack([hi, hi + 6, hi + 12], dim=-3)
    table = torch.stack((v, q, p, p, t, v, t, v, v, q, p, p, p, p, t, v, v, q),
                        dim=-3)
    return torch.gather(table, -3, idx)


def _per_sample(value: Tensor, like: Tensor) -> Tensor:
    return value.to(like).view(-1, *([1] * (like.dim() - 1)))


def adjust_brightness(x: Tensor, shift: Tensor) -> Tensor:
    """Add ``shift`` (one per image), clamp to [0, 1]."""
    return (x + _per_sample(shift, x)).clamp(0, 1)


def adjust_contrast(x: Tensor, factor: Tensor) -> Tensor:
    """Multiply by ``factor`` (one per image), clamp to [0, 1]."""
    return (x * _per_sample(factor, x)).clamp(0, 1)


def adjust_saturation(x: Tensor, factor: Tensor) -> Tensor:
    """Scale the HSV saturation by ``factor``, clamp it to [0, 1]."""
    h, s, v = rgb_to_hsv(x).unbind(-3)
    s = (s * _per_sample(factor, s)).clamp(0, 1)
    return hsv_to_rgb(torch.stack([h, s, v], dim=-3))


def adjust_hue(x: Tensor, shift: Tensor) -> Tensor:
    """Rotate the HSV hue by ``shift`` radians (``fmod`` by 2*pi)."""
    h, s, v = rgb_to_hsv(x).unbind(-3)
    h = torch.fmod(h + _per_sample(shift, h), 2 * math.pi)
    return hsv_to_rgb(torch.stack([h, s, v], dim=-3))


@MODELS.register_module()
class BatchColorJitter:
    """Random brightness, contrast, saturation and hue of a batch of images,
    as DACS applies it to the mixed images (Tranheden et al., WACV 2021,
    Sec. 4.1 "colour jittering"; official ``utils/transformsgpu.py``
    ``colorJitter``, DAFormer's ``dacs_transforms.color_jitter``).

    Both official codes call kornia 0.5's
    ``ColorJitter(brightness=s, contrast=s, saturation=s, hue=s)``; udaplug
    reimplements those semantics (kornia is not a dependency):

    - with probability ``prob`` (the code's ``uniform(0, 1) > 0.2``), drawn
      once per call, the whole batch is jittered, otherwise returned as is;
    - per image: brightness ``b ~ U(max(0, 1 - s), 1 + s)`` applied
      *additively* (``x + b - 1``), contrast ``c ~ U(max(0, 1 - s), 1 + s)``
      multiplicatively (``x * c``), saturation ``S ~ U(max(0, 1 - s),
      1 + s)`` scales the HSV saturation, hue ``h ~ U(-s, s)`` rotates the
      HSV hue by ``2 * pi * h``; each step clamps to [0, 1];
    - the four steps run in a random order, drawn per image (the official
      codes call kornia once per image).

    The model's images are normalised; with ``mean``/``std`` (the data
    preprocessor's, 0-255 scale) the batch is mapped to [0, 1] first and
    back afterwards, as the official codes do. Channels are taken in the
    order given: the official DACS code jitters BGR images as if they were
    RGB, which mirrors the direction of the hue rotation but not its
    distribution (the shift is symmetric).

    Args:
        strength (float): ``s`` above. DACS's code: 0.25 (default of
            ``colorJitter``); DAFormer's configs: 0.2
            (``color_jitter_strength``).
        prob (float): Probability of jittering a batch. Both codes: 0.8
            (applied when a uniform draw exceeds 0.2).
    """

    def __init__(self, strength: float = 0.25, prob: float = 0.8) -> None:
        if not 0 <= strength <= 0.5:
            raise ValueError('BatchColorJitter: strength must be in '
                             f'[0, 0.5] (the hue range), got {strength}')
        if not 0 <= prob <= 1:
            raise ValueError(f'BatchColorJitter: prob must be in [0, 1], '
                             f'got {prob}')
        self.strength = float(strength)
        self.prob = float(prob)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(strength={self.strength}, '
                f'prob={self.prob})')

    def sample_parameters(
            self,
            batch_size: int,
            generator: Optional[torch.Generator] = None) -> Optional[dict]:
        """The random draws of one call: None (no jitter) or the per-image
        factors and orders of the four steps (``order``: (N, 4))."""
        if torch.rand(1, generator=generator).item() >= self.prob:
            return None
        s = self.strength

        def uniform(lo, hi):
            return lo + (hi - lo) * torch.rand(batch_size, generator=generator)

        return dict(
            brightness=uniform(max(0., 1 - s), 1 + s) - 1,
            contrast=uniform(max(0., 1 - s), 1 + s),
            saturation=uniform(max(0., 1 - s), 1 + s),
            hue=uniform(-s, s) * 2 * math.pi,
            order=torch.stack([
                torch.randperm(4, generator=generator)
                for _ in range(batch_size)
            ]))

    @staticmethod
    def apply(images01: Tensor, params: dict) -> Tensor:
        """Jitter images in [0, 1] (N, 3, H, W) with given parameters
        (per-image factors, per-image ``order`` (N, 4) of the steps 0
        brightness, 1 contrast, 2 saturation, 3 hue)."""
        order = torch.as_tensor(params['order']).view(-1, 4)
        out = []
        for n in range(images01.shape[0]):
            steps = (
                lambda x: adjust_brightness(x, params['brightness'][n:n + 1]),
                lambda x: adjust_contrast(x, params['contrast'][n:n + 1]),
                lambda x: adjust_saturation(x, params['saturation'][n:n + 1]),
                lambda x: adjust_hue(x, params['hue'][n:n + 1]),
            )
            x = images01[n:n + 1]
            for i in order[n if len(order) > 1 else 0].tolist():
                x = steps[i](x)
            out.append(x)
        return torch.cat(out)

    def __call__(self,
                 inputs: Tensor,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 generator: Optional[torch.Generator] = None) -> Tensor:
        """Jitter a batch.

        Args:
            inputs (Tensor): (N, 3, H, W), normalised with ``mean``/``std``
                (0-255 scale) if they are given, else in [0, 1].
            mean, std (Sequence[float] | Tensor, optional): The
                normalisation of ``inputs``.
            generator (torch.Generator, optional): Random source.
        """
        if inputs.dim() != 4 or inputs.shape[1] != 3:
            raise ValueError('BatchColorJitter: expected images (N, 3, H, W),'
                             f' got {tuple(inputs.shape)}')
        params = self.sample_parameters(inputs.shape[0], generator)
        if params is None:
            return inputs
        dtype = inputs.dtype
        x = inputs.float()
        if mean is not None:
            m = torch.as_tensor(mean, dtype=x.dtype, device=x.device)
            sd = torch.as_tensor(std, dtype=x.dtype, device=x.device)
            m, sd = m.view(1, -1, 1, 1), sd.view(1, -1, 1, 1)
            x = (x * sd + m) / 255.0
        x = self.apply(x, params)
        if mean is not None:
            x = (x * 255.0 - m) / sd
        return x.to(dtype)

"""Image statistics that tell a translation from noise."""
import torch
from torch import Tensor


def high_frequency_fraction(images: Tensor, cutoff: float = 0.25) -> Tensor:
    """Share of an image's variance (AC power) at high spatial frequencies.

    The power spectrum :math:`P(f) = |\\mathrm{FFT}_2(x - \\bar x)|^2` of each
    channel (mean removed) is averaged over the batch and the channels; the
    result is :math:`\\sum_{|f_y| > c \\lor |f_x| > c} P(f) / \\sum_{f \\ne 0}
    P(f)` with frequencies in cycles per pixel (Nyquist = 0.5) and cutoff
    :math:`c` (default 0.25: periods shorter than 4 pixels, which includes
    the period-2 checkerboard of stride-2 transposed convolutions).

    Photographs and rendered scenes keep most of their variance at low
    frequencies (the demo pair's images: 0.04-0.07); white noise spreads it
    evenly (about 0.75 at the default cutoff), and a randomly initialised
    CycleGAN generator's output is close to that.

    Args:
        images (Tensor): (N, C, H, W) or (C, H, W), any value range.
        cutoff (float): In cycles per pixel, in (0, 0.5).

    Returns:
        Tensor: A scalar in [0, 1] (0 for constant images).
    """
    if not 0 < cutoff < 0.5:
        raise ValueError(f'cutoff must be in (0, 0.5) cycles per pixel, got '
                         f'{cutoff}')
    if images.dim() == 3:
        images = images[None]
    if images.dim() != 4:
        raise ValueError('images must be (N, C, H, W) or (C, H, W), got '
                         f'shape {tuple(images.shape)}')
    x = images.detach().float()
    x = x - x.mean(dim=(-2, -1), keepdim=True)
    power = torch.fft.fft2(x).abs().pow(2).mean(dim=(0, 1))
    h, w = power.shape
    fy = torch.fft.fftfreq(h, device=x.device).abs()[:, None]
    fx = torch.fft.fftfreq(w, device=x.device).abs()[None]
    high = (fy > cutoff) | (fx > cutoff)
    total = power.sum() - power[0, 0]
    if total <= 0:
        return total.new_zeros(())
    return power[high].sum() / total

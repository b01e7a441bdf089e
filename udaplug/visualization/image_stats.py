"""Image statistics that tell a translation from noise."""
from typing import Tuple

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
    high, total = high_frequency_power(images, cutoff)
    if total <= 0:
        return total.new_zeros(())
    return high / total


def high_frequency_power(images: Tensor,
                         cutoff: float = 0.25) -> Tuple[Tensor, Tensor]:
    """The two sums :func:`high_frequency_fraction` divides: the AC power
    at frequencies above ``cutoff`` and all AC power, summed over the batch
    and the channels. Sums over several batches of images of one size give
    the fraction of the whole set (``high / total``) without holding it in
    memory at once."""
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
    power = torch.fft.fft2(x).abs().pow(2).sum(dim=(0, 1))
    h, w = power.shape
    fy = torch.fft.fftfreq(h, device=x.device).abs()[:, None]
    fx = torch.fft.fftfreq(w, device=x.device).abs()[None]
    high = (fy > cutoff) | (fx > cutoff)
    return power[high].sum(), power.sum() - power[0, 0]


def class_colour_means(images: Tensor,
                       labels: Tensor,
                       num_classes: int,
                       ignore_index: int = 255):
    """Mean colour of each class's pixels over a set of images.

    For class :math:`c`, :math:`\\mu_c = \\sum_{n,i} x_{n,i}
    [y_{n,i} = c] / N_c` with :math:`N_c = \\sum_{n,i} [y_{n,i} = c]` (pixels
    :math:`i` of images :math:`n`; ``ignore_index`` and labels outside
    ``[0, num_classes)`` count for no class).

    Args:
        images (Tensor): (N, C, H, W) images, any value range.
        labels (Tensor): (N, H, W) integer labels of the same size.
        num_classes (int): Number of classes.
        ignore_index (int): Label of unlabelled pixels. Defaults to 255.

    Returns:
        tuple[Tensor, Tensor]: ``(means, counts)``: (num_classes, C) mean
        colours (NaN for a class without pixels) and (num_classes,) pixel
        counts.
    """
    if images.dim() != 4 or labels.dim() != 3 or \
            images.shape[0] != labels.shape[0] or \
            images.shape[-2:] != labels.shape[-2:]:
        raise ValueError('class_colour_means: images must be (N, C, H, W) '
                         'and labels (N, H, W) of the same N, H and W, got '
                         f'{tuple(images.shape)} and {tuple(labels.shape)}')
    x = images.detach().double().permute(0, 2, 3,
                                         1).reshape(-1, images.shape[1])
    y = labels.reshape(-1).long()
    valid = (y >= 0) & (y < num_classes) & (y != ignore_index)
    x, y = x[valid], y[valid]
    counts = torch.bincount(y, minlength=num_classes).double()
    sums = x.new_zeros(num_classes, x.shape[1]).index_add_(0, y, x)
    means = sums / counts[:, None]  # NaN where a class has no pixels
    return means, counts


def class_colour_distance(images: Tensor,
                          labels: Tensor,
                          ref_images: Tensor,
                          ref_labels: Tensor,
                          num_classes: int,
                          min_pixels: int = 1,
                          ignore_index: int = 255) -> dict:
    """How far a set's class colours are from a reference set's: the mean
    over classes of :math:`\\lVert \\mu_c - \\mu^{ref}_c \\rVert_2`
    (:func:`class_colour_means`), over the classes with at least
    ``min_pixels`` pixels in both sets.

    A measure of whether translated source images take on the target
    domain's look class by class (the road's grey, the sky's colour), given
    the source labels of the translated images and labelled target images:
    0 when every class has the target's mean colour. It says nothing about
    texture or sharpness (:func:`high_frequency_fraction` does).

    Returns:
        dict: ``distance`` (float, NaN when no class qualifies),
        ``per_class`` ((num_classes,) tensor, NaN for classes left out) and
        ``classes`` (the indices used).
    """
    means, counts = class_colour_means(images, labels, num_classes,
                                       ignore_index)
    ref_means, ref_counts = class_colour_means(ref_images, ref_labels,
                                               num_classes, ignore_index)
    return class_colour_distance_of_means(means, counts, ref_means, ref_counts,
                                          min_pixels)


def class_colour_distance_of_means(means: Tensor,
                                   counts: Tensor,
                                   ref_means: Tensor,
                                   ref_counts: Tensor,
                                   min_pixels: int = 1) -> dict:
    """:func:`class_colour_distance` from the ``(means, counts)`` of
    :func:`class_colour_means` of both sets (e.g. accumulated over batches
    of a set too large to hold in memory)."""
    num_classes = len(counts)
    if means.shape[1] != ref_means.shape[1]:
        raise ValueError('class_colour_distance: images have '
                         f'{means.shape[1]} channels, the reference '
                         f'{ref_means.shape[1]}')
    used = (counts >= min_pixels) & (ref_counts >= min_pixels)
    per_class = torch.full((num_classes, ), float('nan'), dtype=torch.double)
    per_class[used] = (means[used] - ref_means[used]).norm(dim=1)
    classes = used.nonzero().flatten().tolist()
    distance = float(per_class[used].mean()) if classes else float('nan')
    return dict(distance=distance, per_class=per_class, classes=classes)

"""The image-to-image generator of Brehm et al., "Semantically Consistent
Image-to-Image Translation for Unsupervised Domain Adaptation", ICAART 2022,
Sec. 3.2 ("Generator")."""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmagic.models.editors.pggan import (EqualizedLRConvDownModule,
                                         EqualizedLRConvModule,
                                         EqualizedLRConvUpModule,
                                         EqualizedLRLinearModule, PixelNorm)
from mmagic.models.editors.stylegan1.stylegan1_modules import (
    AdaptiveInstanceNorm, NoiseInjection)
from mmengine.model import BaseModule
from torch import Tensor, nn

from udaplug.registry import MODELS

STYLE_SOURCES = ('input', 'learned')
# mmagic's fixed-noise seed (stylegan1_modules.NoiseInjection), used here
# with a private generator when no noise generator is given.
FIXED_NOISE_SEED = 1024


def _release_equalized_weight(module: nn.Module, inputs, output) -> None:
    """Forward hook: replace the scaled weight that mmagic's equalised-LR
    pre-hook stores on the module by a detached copy once the forward pass
    is done. The autograd graph keeps its own reference; the attribute
    would otherwise make the module impossible to ``deepcopy`` (EMA copies)
    after a forward pass."""
    weight = getattr(module, 'weight', None)
    if isinstance(weight, Tensor) and weight.grad_fn is not None:
        module.weight = weight.detach()


class ScaleBias(nn.Module):
    """A learned per-channel scaling factor and bias, ``x * scale + bias``
    (Sec. 3.2: "In every layer, we append a learned scaling factor as well as
    a learned bias term"). mmagic has no such layer; udaplug writes it."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1, channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.scale + self.bias


#: The 3x3 equalised-LR convolutions of both the encoder and the synthesis
#: layers (He gain sqrt(2) on fan-in; bias, scale and activation come after).
_CONV3X3 = dict(
    kernel_size=3,
    padding=1,
    bias=False,
    norm_cfg=None,
    act_cfg=None,
    equalized_lr_cfg=dict(mode='fan_in', gain=2**0.5))


class EncoderLayer(nn.Module):
    """Encoder layer (Progressive GAN, Karras et al. ICLR 2018): equalised-LR
    conv (strided with a blurred 4x4 kernel when ``down``: mmagic's
    ``EqualizedLRConvDownModule`` with ``fused_pool``) -> learned scale and
    bias -> leaky ReLU -> pixel norm."""

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 down: bool,
                 negative_slope: float = 0.2) -> None:
        super().__init__()
        kwargs = dict(_CONV3X3)
        if down:
            self.conv = EqualizedLRConvDownModule(
                in_channels,
                out_channels,
                stride=2,
                downsample=dict(type='fused_pool'),
                **kwargs)
        else:
            self.conv = EqualizedLRConvModule(in_channels, out_channels,
                                              **kwargs)
        self.scale_bias = ScaleBias(out_channels)
        self.act = nn.LeakyReLU(negative_slope)
        self.norm = PixelNorm()

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(self.act(self.scale_bias(self.conv(x))))


class StyleLayer(nn.Module):
    """Synthesis layer (StyleGAN, Karras et al. CVPR 2019): equalised-LR conv
    (a 2x transposed conv with a blurred 4x4 kernel when ``up``: mmagic's
    ``EqualizedLRConvUpModule`` with ``fused_nn``) -> noise injection
    (stochastic variation, mmagic's ``NoiseInjection``) -> learned scale and
    bias -> leaky ReLU -> AdaIN (mmagic's ``AdaptiveInstanceNorm``)."""

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 style_channels: int,
                 up: bool,
                 negative_slope: float = 0.2) -> None:
        super().__init__()
        kwargs = dict(_CONV3X3)
        if up:
            self.conv = EqualizedLRConvUpModule(
                in_channels,
                out_channels,
                stride=2,
                conv_cfg=dict(type='deconv'),
                upsample=dict(type='fused_nn'),
                **kwargs)
        else:
            self.conv = EqualizedLRConvModule(in_channels, out_channels,
                                              **kwargs)
        # mmagic 1.2's NoiseInjection draws from the global generator (and
        # with fixed_noise=True reseeds it and calls .cuda()): the noise is
        # always passed in explicitly, see SCI2IGenerator.forward.
        self.noise = NoiseInjection()
        self.scale_bias = ScaleBias(out_channels)
        self.act = nn.LeakyReLU(negative_slope)
        self.adain = AdaptiveInstanceNorm(out_channels, style_channels)

    def forward(self, x: Tensor, style: Tensor,
                generator: torch.Generator) -> Tensor:
        x = self.conv(x)
        n, _, h, w = x.shape
        noise = torch.randn((n, 1, h, w),
                            generator=generator,
                            device=x.device,
                            dtype=x.dtype)
        x = self.act(self.scale_bias(self.noise(x, noise=noise)))
        return self.adain(x, style)


@MODELS.register_module()
class SCI2IGenerator(BaseModule):
    """Encoder-decoder image-to-image generator of Brehm et al. (Sec. 3.2).

    "A simple encoder-decoder architecture with strided convolutions for
    down-sampling the input image by a factor of 8 ... followed by a single
    residual block. The decoder is simply a stack of deconvolution layers"
    with no skip connections between encoder and decoder; every layer has a
    learned scaling factor and bias, leaky ReLU except at the output layer,
    "deconvolution kernels, PixelNorm, Equalized Learning Rate, Adaptive
    Instance Normalization and Stochastic Variation as proposed in (Karras
    et al.)". Built from mmagic's parts:

    - ``from_rgb``: 3x3 equalised-LR conv (``EqualizedLRConvModule``) at full
      resolution, then ``num_downsamples`` stride-2 encoder layers
      (``EqualizedLRConvDownModule``); each followed by the learned scale and
      bias, leaky ReLU (0.2) and ``PixelNorm`` (Progressive GAN);
    - one residual block of two :class:`StyleLayer` (3x3 conv, noise
      injection, scale and bias, leaky ReLU, AdaIN) with an identity skip;
    - ``num_downsamples`` transposed-conv :class:`StyleLayer` (2x up,
      ``EqualizedLRConvUpModule`` with ``conv_cfg=dict(type='deconv')``);
    - ``to_rgb``: 1x1 equalised-LR conv (gain 1, as Progressive GAN's
      toRGB) with a linear output: "leaky-ReLU activations for all layers
      except the output layer".

    The paper does not say where AdaIN's style comes from (it has no latent
    code). Here it is the input itself: the global average of the encoder
    output, pixel-normalised, through ``mapping_layers`` equalised-LR
    linear layers with leaky ReLU (StyleGAN's mapping network), so that the
    translation is a function of the source image alone (the offline
    translation of the source set needs nothing else) and the identity
    objective on target images (Sec. 3.2) teaches G the target's style
    statistics. The channel widths are not stated in the paper either.

    Stochastic variation: every :class:`StyleLayer` adds a learned multiple
    of per-pixel Gaussian noise. The noise comes from ``noise_generator``
    (a ``torch.Generator``; training passes one seeded per iteration and
    process, so runs and resumed runs are reproducible) or, without one, from
    a private generator seeded with 1024 (mmagic's fixed noise), so that
    evaluation and offline translation are deterministic. The global random
    state is never used or reseeded (mmagic 1.2's
    ``NoiseInjection(fixed_noise=True)`` reseeds it and calls ``.cuda()``;
    the noise is always passed to it explicitly here).

    Input and output are images in [-1, 1] (the output is not clamped; the
    translated images are clamped when written). Inputs whose height or
    width is not a multiple of ``2**num_downsamples`` are reflect-padded
    and the output cropped back.

    Image border (not stated in the paper): the convolutions zero-pad their
    inputs (Karras et al.), so G can tell the image border from the inside
    and, where nothing constrains it there (D's stride-4 VGG features hardly
    see a one-pixel line), draws its own colours along it. ``border_padding``
    reflect-pads the input by that many pixels on every side and crops the
    output back, so that the zero padding lies outside the returned image,
    as CycleGAN's ResNet generator reflect-pads its input. In training and
    translation alike: D and the losses see the cropped output. It also
    hides from G where the image ends, which G needs for content tied to
    the position in the frame (on the demo pair: the target's bonnet band
    along the bottom edge, docs/sci2i.md "The image border"), so the configs
    keep 0.

    Args:
        in_channels (int): Input channels. Defaults to 3.
        out_channels (int): Output channels. Defaults to 3.
        channels (Sequence[int]): Channels at full resolution and after each
            of the ``len(channels) - 1`` down-samplings (3 for the paper's
            factor of 8). Defaults to (64, 128, 256, 512) (not stated in the
            paper).
        style_channels (int): Width of the style code and the mapping
            network. Defaults to 256 (not stated).
        mapping_layers (int): Linear layers of the mapping network.
            Defaults to 4 (not stated; StyleGAN uses 8 from a random
            latent).
        negative_slope (float): Leaky ReLU slope. Defaults to 0.2 (Karras
            et al.).
        border_padding (int): Pixels of reflect padding added around the
            input and cropped from the output (see above). Must be smaller
            than the input's height and width. Defaults to 0 (the
            convolutions' zero padding at the image border, as Karras et
            al.).
        init_cfg (dict, optional): Initialisation config; by default the
            equalised-LR layers keep their N(0, 1) initialisation.
    """

    def __init__(self,
                 in_channels: int = 3,
                 out_channels: int = 3,
                 channels: Sequence[int] = (64, 128, 256, 512),
                 style_channels: int = 256,
                 mapping_layers: int = 4,
                 style_source: str = 'input',
                 negative_slope: float = 0.2,
                 border_padding: int = 0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        channels = tuple(int(c) for c in channels)
        if int(border_padding) != border_padding or border_padding < 0:
            raise ValueError('SCI2IGenerator: border_padding must be a '
                             f'non-negative integer, got {border_padding!r}')
        if len(channels) < 2:
            raise ValueError('SCI2IGenerator: channels needs the width at '
                             'full resolution and after at least one '
                             f'down-sampling, got {channels}')
        if style_source not in STYLE_SOURCES:
            raise ValueError(f'SCI2IGenerator: style_source must be one of '
                             f'{STYLE_SOURCES}, got {style_source!r}')
        if mapping_layers < 1:
            raise ValueError('SCI2IGenerator: mapping_layers must be >= 1, '
                             f'got {mapping_layers}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.channels = channels
        self.num_downsamples = len(channels) - 1
        self.size_divisor = 2**self.num_downsamples
        self.style_source = style_source
        self.border_padding = int(border_padding)

        self.from_rgb = EncoderLayer(in_channels, channels[0], False,
                                     negative_slope)
        self.encoder = nn.ModuleList(
            EncoderLayer(cin, cout, True, negative_slope)
            for cin, cout in zip(channels[:-1], channels[1:]))

        mapping: List[nn.Module] = [PixelNorm()]
        width = channels[-1]
        if style_source == 'learned':
            self.style_latent = nn.Parameter(torch.randn(1, width))
        for _ in range(mapping_layers):
            mapping += [
                EqualizedLRLinearModule(
                    width,
                    style_channels,
                    equalized_lr_cfg=dict(gain=2**0.5, mode='fan_in')),
                nn.LeakyReLU(negative_slope)
            ]
            width = style_channels
        self.mapping = nn.Sequential(*mapping)

        bottleneck = channels[-1]
        self.res_block = nn.ModuleList([
            StyleLayer(bottleneck, bottleneck, style_channels, False,
                       negative_slope),
            StyleLayer(bottleneck, bottleneck, style_channels, False,
                       negative_slope)
        ])
        rev = channels[::-1]
        self.decoder = nn.ModuleList(
            StyleLayer(cin, cout, style_channels, True, negative_slope)
            for cin, cout in zip(rev[:-1], rev[1:]))
        self.to_rgb = EqualizedLRConvModule(
            channels[0],
            out_channels,
            kernel_size=1,
            norm_cfg=None,
            act_cfg=None,
            equalized_lr_cfg=dict(mode='fan_in', gain=1.))
        for module in self.modules():
            if 'weight_orig' in module._parameters:
                module.register_forward_hook(_release_equalized_weight)

    def forward(self,
                x: Tensor,
                noise_generator: Optional[torch.Generator] = None) -> Tensor:
        """Translate ``x`` ((N, in_channels, H, W) in [-1, 1]).

        Args:
            x (Tensor): Input images.
            noise_generator (torch.Generator, optional): Source of the
                injected noise, on ``x``'s device. Defaults to a private
                generator seeded with 1024 (deterministic output).
        """
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'SCI2IGenerator: expected (N, {self.in_channels}, H, W) '
                f'inputs, got {tuple(x.shape)}')
        if noise_generator is None:
            noise_generator = torch.Generator(device=x.device)
            noise_generator.manual_seed(FIXED_NOISE_SEED)
        h, w = x.shape[-2:]
        b = self.border_padding
        if b:
            if b >= h or b >= w:
                raise ValueError(
                    f'SCI2IGenerator: border_padding={b} needs inputs larger '
                    f'than {b} pixels in height and width (reflect '
                    f'padding), got {h}x{w}; lower border_padding')
            x = F.pad(x, (b, b, b, b), mode='reflect')
        pad_h = -(h + 2 * b) % self.size_divisor
        pad_w = -(w + 2 * b) % self.size_divisor
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h), mode='reflect')

        feat = self.from_rgb(x)
        for layer in self.encoder:
            feat = layer(feat)
        if self.style_source == 'input':
            style = self.mapping(feat.mean(dim=(2, 3)))
        else:
            style = self.mapping(self.style_latent).expand(len(feat), -1)
        res = feat
        for layer in self.res_block:
            res = layer(res, style, noise_generator)
        feat = feat + res
        for layer in self.decoder:
            feat = layer(feat, style, noise_generator)
        out = self.to_rgb(feat)
        return out[..., b:b + h, b:b + w]

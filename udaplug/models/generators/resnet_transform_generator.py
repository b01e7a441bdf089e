"""CycleGAN's ResNet generator as an image transform network."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.models.editors.cyclegan import ResnetGenerator
from mmcv.cnn import ConvModule

from udaplug.registry import MODELS
from ..utils.gaussian_init import GaussianInitMixin


@MODELS.register_module()
class ResnetTransformGenerator(GaussianInitMixin, ResnetGenerator):
    """mmagic's :class:`~mmagic.models.ResnetGenerator` (the CycleGAN
    generator: 7x7 conv, two stride-2 convs, residual blocks, two
    transposed convs, 7x7 conv, tanh output) for image-to-image adaptation.

    Same arguments and layers (and state-dict keys) as mmagic's; this class

    * records ``in_channels`` and ``out_channels`` (checked by the UDA
      models at build time: image + conditioning channels in, 3 out);
    * initialises weights with CycleGAN's Gaussian init (N(0, 0.02)) in a
      way that also works when the generator is a sub-module of another
      model: mmagic 1.2's ``generation_init_weights`` fails there on layers
      without weights (``UnboundLocalError: init_info``, mmagic issue
      #2109);
    * with ``tanh=False`` leaves the last 7x7 conv linear: the generator of
      Toldo et al.'s official code (``cyclegan/generator.py``,
      ``use_tanh=False``), whose output is not bounded to [-1, 1];
    * with ``upsample_init='bilinear'``, initialises each stride-2
      transposed convolution as a random 1x1 channel mixing (N(0, gain), the
      Gaussian init's scale) followed by bilinear 2x upsampling (kernel
      ``[0.5, 1, 0.5]`` in each direction): the four output phases of the
      layer then interpolate the same values, so the untrained generator's
      output has no period-2 checkerboard (Odena et al., "Deconvolution and
      checkerboard artifacts", Distill 2016; Aitken et al., "Checkerboard
      artifact free sub-pixel convolution", 2017). The default (``None``)
      is CycleGAN's Gaussian init of every layer, whose independent kernel
      taps per phase make the untrained output a pixel-level checkerboard
      noise;
    * with ``upsample='bilinear'``, replaces each stride-2 transposed
      convolution by bilinear 2x upsampling followed by a 3x3 convolution
      with the same channels, norm and activation ("resize-convolution",
      Odena et al. 2016, above). A transposed convolution with a 3x3 kernel
      and stride 2 has separate kernel taps for each of the four output
      phases, so it can make (and, trained by a discriminator's or a task
      network's gradient, learns) a fixed period-2 lattice; after bilinear
      upsampling every layer is shift-equivariant at the output's
      resolution and cannot. The layer keys stay the same
      (``model.<i>.conv.weight``), with the weight shape of a convolution
      ((out, in, 3, 3) instead of (in, out, 3, 3)), so checkpoints of the
      two variants do not load into each other.

    Input in [-1, 1]; output in [-1, 1] with ``tanh=True`` (default).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels. Defaults to 3.
        tanh (bool): Whether the output goes through tanh. Defaults to True.
        upsample_init (str, optional): ``'bilinear'`` or None (above).
        upsample (str): ``'deconv'`` (CycleGAN's transposed convolutions)
            or ``'bilinear'`` (resize-convolution, above). Defaults to
            ``'deconv'``.
        **kwargs: mmagic's ``ResnetGenerator`` arguments (``base_channels``,
            ``num_blocks``, ``norm_cfg``, ``padding_mode``, ``init_cfg``...).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 3,
                 tanh: bool = True,
                 upsample_init: Optional[str] = None,
                 upsample: str = 'deconv',
                 **kwargs):
        if upsample_init not in (None, 'bilinear'):
            raise ValueError('ResnetTransformGenerator: upsample_init must be '
                             f'None or "bilinear", got {upsample_init!r}')
        if upsample not in ('deconv', 'bilinear'):
            raise ValueError('ResnetTransformGenerator: upsample must be '
                             f'"deconv" or "bilinear", got {upsample!r}')
        if upsample == 'bilinear' and upsample_init is not None:
            raise ValueError(
                'ResnetTransformGenerator: upsample_init initialises '
                'transposed convolutions; with upsample="bilinear" there are '
                'none, leave upsample_init=None')
        super().__init__(in_channels, out_channels, **kwargs)
        self.upsample = upsample
        if upsample == 'bilinear':
            for layer in self.model:
                if isinstance(
                        getattr(layer, 'conv', None), nn.ConvTranspose2d):
                    deconv = layer.conv
                    layer.conv = BilinearUpConv2d(
                        deconv.in_channels,
                        deconv.out_channels,
                        bias=deconv.bias is not None)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.upsample_init = upsample_init
        self.tanh = tanh
        if not tanh:
            # the same 7x7 output conv (same keys), without its activation
            last = self.model[-1]
            self.model[-1] = ConvModule(
                last.in_channels,
                out_channels,
                kernel_size=7,
                padding=3,
                bias=True,
                norm_cfg=None,
                act_cfg=None,
                padding_mode=kwargs.get('padding_mode', 'reflect'))

    def init_weights(self) -> None:
        super().init_weights()
        pretrained = self.init_cfg is not None and \
            self.init_cfg.get('type') == 'Pretrained'
        if self.upsample_init == 'bilinear' and not pretrained:
            bilinear_upsample_init(self, self.init_gain)


class BilinearUpConv2d(nn.Conv2d):
    """Bilinear 2x upsampling (``align_corners=False``) followed by a 3x3
    convolution with zero padding 1: the resize-convolution that
    ``ResnetTransformGenerator(upsample='bilinear')`` puts in place of a
    stride-2 transposed convolution (same output size, 2H x 2W)."""

    def __init__(self, in_channels: int, out_channels: int, bias: bool):
        super().__init__(
            in_channels, out_channels, kernel_size=3, padding=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(
            x, scale_factor=2, mode='bilinear', align_corners=False)
        return super().forward(x)


@torch.no_grad()
def bilinear_upsample_init(module: nn.Module, gain: float = 0.02) -> None:
    """Each ``ConvTranspose2d`` with a 3x3 kernel and stride 2 in ``module``
    becomes W[i, o] = M[i, o] * b b^T with M ~ N(0, gain) and b = (0.5, 1,
    0.5): a 1x1 channel mixing followed by bilinear 2x upsampling (with
    padding 1 and output padding 1, even outputs copy an input, odd ones
    average two neighbours). Biases are zeroed."""
    kernel = torch.tensor([0.5, 1.0, 0.5])
    kernel = kernel[:, None] * kernel[None]
    for m in module.modules():
        if isinstance(m, nn.ConvTranspose2d) and \
                tuple(m.kernel_size) == (3, 3) and tuple(m.stride) == (2, 2):
            cin, cout = m.weight.shape[:2]
            mix = torch.randn(cin, cout) * gain
            m.weight.copy_((mix[:, :, None, None] * kernel).to(m.weight))
            if m.bias is not None:
                m.bias.zero_()

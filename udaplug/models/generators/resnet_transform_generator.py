"""CycleGAN's ResNet generator as an image transform network."""
import torch.nn as nn
from mmagic.models.editors.cyclegan import ResnetGenerator
from mmengine.model import normal_init

from udaplug.registry import MODELS


def gaussian_init(module: nn.Module, gain: float = 0.02) -> None:
    """CycleGAN's ``init_type='normal'``: conv and linear weights ~ N(0,
    gain), biases 0; BatchNorm weights ~ N(1, gain), biases 0. Instance norm
    layers without affine parameters are left alone."""
    for m in module.modules():
        if isinstance(m, (nn.modules.conv._ConvNd, nn.Linear)):
            normal_init(m, mean=0.0, std=gain, bias=0.0)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            normal_init(m, mean=1.0, std=gain, bias=0.0)


@MODELS.register_module()
class ResnetTransformGenerator(ResnetGenerator):
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
      #2109).

    Input and output are in [-1, 1] (tanh).
    """

    def __init__(self, in_channels: int, out_channels: int = 3, **kwargs):
        super().__init__(in_channels, out_channels, **kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels

    def init_weights(self) -> None:
        if self.init_cfg is not None and \
                self.init_cfg.get('type') == 'Pretrained':
            return super().init_weights()
        if self.init_type != 'normal':
            raise ValueError(
                f'{type(self).__name__}: only init_cfg type "normal" or '
                f'"Pretrained" is supported, got {self.init_type!r}')
        gaussian_init(self, self.init_gain)
        self._is_init = True

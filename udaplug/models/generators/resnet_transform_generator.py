"""CycleGAN's ResNet generator as an image transform network."""
from mmagic.models.editors.cyclegan import ResnetGenerator

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
      #2109).

    Input and output are in [-1, 1] (tanh).
    """

    def __init__(self, in_channels: int, out_channels: int = 3, **kwargs):
        super().__init__(in_channels, out_channels, **kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels

"""CycleGAN's ResNet generator as an image transform network."""
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
      ``use_tanh=False``), whose output is not bounded to [-1, 1].

    Input in [-1, 1]; output in [-1, 1] with ``tanh=True`` (default).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels. Defaults to 3.
        tanh (bool): Whether the output goes through tanh. Defaults to True.
        **kwargs: mmagic's ``ResnetGenerator`` arguments (``base_channels``,
            ``num_blocks``, ``norm_cfg``, ``padding_mode``, ``init_cfg``...).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 3,
                 tanh: bool = True,
                 **kwargs):
        super().__init__(in_channels, out_channels, **kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
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

"""CycleGAN's Gaussian weight init for mmagic's image networks."""
import torch.nn as nn
from mmengine.model import BaseModule, normal_init


def gaussian_init(module: nn.Module, gain: float = 0.02) -> None:
    """CycleGAN's ``init_type='normal'``: conv and linear weights ~ N(0,
    gain), biases 0; BatchNorm weights ~ N(1, gain), biases 0. Instance norm
    layers with affine parameters get scales ~ N(1, gain) and offsets 0 (the
    TensorFlow CycleGAN's ``_instance_norm`` that Toldo et al.'s code uses);
    those without are left alone."""
    for m in module.modules():
        if isinstance(m, (nn.modules.conv._ConvNd, nn.Linear)):
            normal_init(m, mean=0.0, std=gain, bias=0.0)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm) or (isinstance(
                m, nn.modules.instancenorm._InstanceNorm) and m.affine):
            normal_init(m, mean=1.0, std=gain, bias=0.0)


class GaussianInitMixin:
    """``init_weights`` for mmagic's CycleGAN/pix2pix networks that also
    works when they are sub-modules of another model: mmagic 1.2's
    ``generation_init_weights`` fails there on layers without weights
    (``UnboundLocalError: init_info``, mmagic issue #2109).

    ``init_cfg=dict(type='normal', gain=...)`` (stored by mmagic as
    ``init_type``/``init_gain``) applies :func:`gaussian_init`;
    ``type='Pretrained'`` loads weights as any mmengine module does.
    """

    def init_weights(self) -> None:
        if self.init_cfg is not None and \
                self.init_cfg.get('type') == 'Pretrained':
            return BaseModule.init_weights(self)
        if self.init_type != 'normal':
            raise ValueError(
                f'{type(self).__name__}: only init_cfg type "normal" or '
                f'"Pretrained" is supported, got {self.init_type!r}')
        gaussian_init(self, self.init_gain)
        self._is_init = True

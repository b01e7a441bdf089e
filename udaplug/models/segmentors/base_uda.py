import functools
import math
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Tuple, Union

from mmengine.logging import MessageHub
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor, nn

from udaplug.registry import MODELS

ConfigDict = Optional[Dict[str, dict]]


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite: training stops."""


def input_channels(net: nn.Module) -> Optional[int]:
    """Input channels of a network: its ``in_channels`` attribute, else
    those of its first convolution (mmagic's generators and PatchGAN store
    none)."""
    got = getattr(net, 'in_channels', None)
    if isinstance(got, int):
        return got
    for module in net.modules():
        if isinstance(module, nn.modules.conv._ConvNd):
            return module.in_channels
    return None


def unwrap(module: nn.Module) -> nn.Module:
    """The module inside a (Distributed)DataParallel wrapper, or itself."""
    return module.module if is_model_wrapper(module) else module


@contextmanager
def frozen(*networks: nn.Module) -> Iterator[None]:
    """Turn off ``requires_grad`` of the networks' parameters and restore each
    parameter's own flag afterwards.

    The role of mmagic's ``set_requires_grad(net, False)`` / ``(net, True)``
    pair, except that parameters frozen on purpose (e.g. BatchNorm affine
    parameters) stay frozen.
    """
    params = [p for net in networks for p in net.parameters()]
    flags = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(params, flags):
            p.requires_grad_(flag)


def _check_unused_model_args(name: str, pretrained, train_cfg) -> None:
    """``pretrained`` and ``train_cfg`` of a UDA model must be None (mmseg's
    ``init_model`` sets both to None)."""
    if pretrained is not None:
        raise ValueError(
            f'{name}: pretrained={pretrained!r} is not used by UDA models; '
            "load weights with the init_cfg of a network (dict(type="
            "'Pretrained', checkpoint=...)) or load_from")
    if train_cfg:
        raise ValueError(f'{name}: train_cfg belongs to the segmentor '
                         '(model.segmentor.train_cfg), not to the UDA model')


class BaseUDASegmentor(BaseModel):
    """Base of udaplug's domain-adaptation models.

    A standard mmseg segmentor (``segmentor``, a
    :class:`MultiOutputEncoderDecoder`) is trained together with auxiliary
    networks: discriminators and, for input-level methods, generators. Each
    network is a direct child module, so that

    - ``optim_wrapper`` has one entry per network, named like the attribute
      (``segmentor``, ``disc_main``, ``gen_img``, ...), each with its own
      optimizer, parameter-wise settings and schedule (built by mmagic's
      ``MultiOptimWrapperConstructor``);
    - :class:`UDADistributedDataParallel` wraps each network in its own DDP.

    Subclasses implement :meth:`train_step` with explicit segmentor/generator
    and discriminator updates (the pattern of mmagic's ``BaseGAN``), using the
    helpers here: :meth:`segmentor_outputs`, :meth:`supervised_losses`,
    :meth:`backward`, :meth:`step`, :func:`frozen`. Inference (``predict``,
    ``tensor`` modes, ``val_step``/``test_step``) is delegated to the
    segmentor, so ``tools/test.py`` and mmseg's inferencer work unchanged.

    Args:
        segmentor (dict): Config of the segmentation network.
        discriminators (dict, optional): Name -> config of each
            discriminator.
        generators (dict, optional): Name -> config of each generator.
        gan_loss (dict, optional): Config of the adversarial loss, e.g.
            ``dict(type='DomainAdversarialLoss', gan_type='vanilla')``.
        data_preprocessor (dict, optional): Usually ``UDADataPreProcessor``.
        init_cfg (dict, optional): Initialisation config.
        pretrained (None): Accepted for mmseg's ``init_model``, which sets
            it to None; pretrained weights go into ``init_cfg``.
        train_cfg (None): Accepted for mmseg's ``init_model``; the
            segmentor's own ``train_cfg`` is in its config.

    Every subclass accepts ``pretrained`` and ``train_cfg`` too, whatever
    its own signature (see :meth:`__init_subclass__`).
    """

    def __init_subclass__(cls, **kwargs):
        """Let the subclass's ``__init__`` take ``pretrained=None`` and
        ``train_cfg=None`` (what mmseg's ``init_model`` adds to every model
        config) without listing them."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get('__init__')
        if init is None:
            return

        @functools.wraps(init)
        def __init__(self, *args, pretrained=None, train_cfg=None, **kw):
            _check_unused_model_args(
                type(self).__name__, pretrained, train_cfg)
            init(self, *args, **kw)

        cls.__init__ = __init__

    def __init__(self,
                 segmentor: dict,
                 discriminators: ConfigDict = None,
                 generators: ConfigDict = None,
                 gan_loss: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 train_cfg: Optional[dict] = None):
        _check_unused_model_args(type(self).__name__, pretrained, train_cfg)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.segmentor = MODELS.build(segmentor)
        if not hasattr(self.segmentor, 'forward_outputs'):
            raise TypeError(
                f'{type(self).__name__}: the segmentor must return every '
                'head\'s output (type="MultiOutputEncoderDecoder", a drop-in '
                f'for mmseg\'s EncoderDecoder), got '
                f'type="{segmentor.get("type")}"')
        self.discriminator_names = self._add_networks(discriminators,
                                                      'discriminators')
        self.generator_names = self._add_networks(generators, 'generators')
        self.gan_loss = MODELS.build(gan_loss) if gan_loss else None

    def _add_networks(self, cfgs: ConfigDict, kind: str) -> List[str]:
        names = []
        for name, cfg in (cfgs or {}).items():
            if hasattr(self, name):
                raise ValueError(f'{kind}: the name "{name}" is taken; '
                                 'choose another key')
            self.add_module(name, MODELS.build(cfg))
            names.append(name)
        return names

    # ------------------------------------------------------------------
    # Networks
    @property
    def seg_model(self) -> nn.Module:
        """The segmentation network, outside any DDP wrapper."""
        return unwrap(self.segmentor)

    @property
    def num_classes(self) -> int:
        return self.seg_model.decode_head.num_classes

    def network(self, name: str, wrapped: bool = True) -> nn.Module:
        """The sub-network called ``name``; ``wrapped=False`` returns it
        without its DDP wrapper (for forward passes whose gradients need no
        synchronisation, e.g. a frozen discriminator in the generator
        step)."""
        module = getattr(self, name)
        return module if wrapped else unwrap(module)

    def check_in_channels(self, name: str, expected: int, what: str) -> None:
        """Fail at build time when network ``name`` does not take
        ``expected`` input channels."""
        got = input_channels(self.network(name, wrapped=False))
        if got is not None and got != expected:
            raise ValueError(
                f'{type(self).__name__}: {name} takes in_channels={got}, but '
                f'its input is {what} with {expected} channels '
                f'(num_classes={self.num_classes}); set in_channels='
                f'{expected}')

    # ------------------------------------------------------------------
    # Inference: delegated to the segmentor
    def forward(self,
                inputs: Tensor,
                data_samples: OptSampleList = None,
                mode: str = 'tensor'):
        if mode == 'predict':
            return self.seg_model.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.seg_model._forward(inputs, data_samples)
        if mode == 'loss':
            return self.seg_model.loss(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')

    # ------------------------------------------------------------------
    # Training helpers
    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        raise NotImplementedError

    @staticmethod
    def optimizer_of(optim_wrapper: OptimWrapperDict,
                     name: str) -> OptimWrapper:
        """The optimizer wrapper of network ``name``, with a clear error."""
        if not isinstance(optim_wrapper, OptimWrapperDict) and \
                name == 'segmentor':
            return optim_wrapper  # one network, one optimizer
        if isinstance(optim_wrapper, OptimWrapperDict):
            if name in optim_wrapper:
                return optim_wrapper[name]
            raise KeyError(
                f'optim_wrapper has no entry "{name}" (has: '
                f'{", ".join(optim_wrapper.keys())}): give every network its '
                'own optimizer, e.g. optim_wrapper=dict(constructor='
                f'"mmagic.MultiOptimWrapperConstructor", {name}=dict('
                'optimizer=...), ...)')
        raise TypeError(
            'UDA models train several networks: optim_wrapper must hold one '
            'optimizer per network (an OptimWrapperDict, built with '
            'constructor="mmagic.MultiOptimWrapperConstructor"), got '
            f'{type(optim_wrapper).__name__}')

    def segmentor_outputs(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Every head's logits for ``inputs``, through the segmentor's DDP
        wrapper (so gradients are synchronised across processes)."""
        return self.segmentor(inputs, mode='outputs')

    def supervised_losses(self, outputs: Dict[str, Tensor],
                          data_samples: SampleList) -> Dict[str, Tensor]:
        """The segmentor's supervised losses (with the heads' loss weights)
        computed from :meth:`segmentor_outputs`."""
        return self.seg_model.loss_by_outputs(outputs, data_samples)

    def parse_losses(
            self, losses: Dict[str,
                               Tensor]) -> Tuple[Tensor, Dict[str, Tensor]]:
        """mmengine's loss parsing, stopping on a NaN or infinite loss with
        the loss's name and the iteration."""
        loss, log_vars = super().parse_losses(losses)
        for name, value in log_vars.items():
            value = value.detach()
            log_vars[name] = value
            # the components first, so that the message names the culprit
            if name != 'loss' and 'loss' in name and \
                    not math.isfinite(float(value)):
                iteration = MessageHub.get_current_instance().get_info('iter')
                where = f'at iteration {iteration}' if iteration is not None \
                    else 'before the first iteration'
                raise NonFiniteLossError(
                    f'{type(self).__name__}: loss "{name}" is '
                    f'{float(value)} {where}; training stopped. Lower the '
                    'learning rate or check the inputs and labels.')
        return loss, log_vars

    def backward(self,
                 optim_wrapper: OptimWrapper,
                 losses: Dict[str, Tensor],
                 prefix: str = '') -> Dict[str, float]:
        """Sum ``losses`` (keys containing ``loss``), check they are finite
        and back-propagate through ``optim_wrapper`` (which scales the loss
        under mixed precision). Returns the values to log."""
        loss, log_vars = self.parse_losses(losses)
        optim_wrapper.backward(loss)
        log_vars.pop('loss')
        return {f'{prefix}{k}': v for k, v in log_vars.items()}

    @staticmethod
    def step(*optim_wrappers: OptimWrapper) -> None:
        """Update the parameters and clear the gradients."""
        for wrapper in optim_wrappers:
            wrapper.step()
            wrapper.zero_grad()

    def train_discriminator(self, name: str, optim_wrapper: OptimWrapper,
                            source: Tensor,
                            target: Tensor) -> Dict[str, float]:
        """Back-propagate discriminator ``name``'s loss for telling ``source``
        inputs from ``target`` ones (both detached here): the mean of the two
        domains' terms (AdaptSegNet Eq. 2), each back-propagated on its own
        as the official code does. The caller steps ``optim_wrapper``."""
        disc = self.network(name)
        log_vars = {}
        for domain, value in (('source', source), ('target', target)):
            with optim_wrapper.optim_context(disc):
                loss = 0.5 * self.gan_loss(
                    disc(value.detach()), domain, is_disc=True)
            log_vars.update(
                self.backward(
                    optim_wrapper, {f'loss_{domain}': loss},
                    prefix=f'{name}.'))
        return log_vars

    def generator_adversarial_loss(self,
                                   name: str,
                                   inputs: Tensor,
                                   weight: float,
                                   mistaken_for: str = 'source') -> Tensor:
        """``weight`` x the loss for making discriminator ``name`` take
        ``inputs`` for the domain ``mistaken_for``: target outputs for source
        ones (AdaptSegNet Eq. 4), or translated source images for target ones
        (input-level adaptation). The discriminator runs without its DDP
        wrapper and must be frozen by the caller (:func:`frozen`)."""
        disc = self.network(name, wrapped=False)
        return weight * self.gan_loss(
            disc(inputs), mistaken_for, is_disc=False)

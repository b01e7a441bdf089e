import math
import os.path as osp
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import MessageHub
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import PixelData
from mmseg.models.segmentors import BaseSegmentor
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor, nn

from udaplug.registry import MODELS
from .ema import EMANetwork
from .image_space import ImageSpaceMixin
from .roles import (DISCRIMINATOR, EMA, FROZEN, GENERATOR, OTHER, SEGMENTOR,
                    NetworkSpec, split_network_cfg)

ConfigDict = Optional[Dict[str, dict]]
# kinds of images/maps record_visualization() takes
VIS_KINDS = ('input', 'tanh', 'rgb', 'logits', 'labels', 'depth')


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


def _pretrained_inits(node) -> Iterator[dict]:
    """Every ``Pretrained`` init config with a file ``checkpoint`` in
    ``node`` (an ``init_cfg``: dict or list of dicts)."""
    if isinstance(node, dict):
        if node.get('type') == 'Pretrained' and isinstance(
                node.get('checkpoint'), str):
            yield node
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _pretrained_inits(item)


def check_network_loaded(model: nn.Module, name: str) -> None:
    """Raise if network ``name`` of ``model`` has a network-level
    ``Pretrained`` ``init_cfg`` (``model.<name>.init_cfg``) with a checkpoint
    file that does not fit it exactly, listing the missing, unexpected and
    reshaped keys (five of each).

    mmengine's ``PretrainedInit`` loads non-strictly: the keys of another
    architecture (another width, another class set, a checkpoint prefix
    that selects another network) only log a warning and leave those
    weights random. A whole network initialised from a file is the output
    of an earlier stage or run (a warm-up model, a translator, the previous
    round's segmentor), so a partial load is always a mistake. Partial loads
    that are normal (ImageNet weights with a classifier the backbone lacks)
    are configured on the backbone (``model.<name>.backbone.init_cfg``) and
    not checked here.
    """
    module = model.get_submodule(name)
    init_cfg = getattr(module, 'init_cfg', None)
    if not (isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained'
            and isinstance(init_cfg.get('checkpoint'), str)
            and '://' not in init_cfg['checkpoint']):
        return
    from mmengine.runner.checkpoint import (_load_checkpoint,
                                            _load_checkpoint_with_prefix)

    from udaplug.utils.checkpoint import mmengine_checkpoint_io
    path, prefix = init_cfg['checkpoint'], init_cfg.get('prefix')
    with mmengine_checkpoint_io():
        if prefix:
            loaded = _load_checkpoint_with_prefix(prefix, path, 'cpu')
        else:
            loaded = _load_checkpoint(path, 'cpu')
            loaded = loaded.get('state_dict', loaded)
    own = module.state_dict()
    missing = sorted(set(own) - set(loaded))
    unexpected = sorted(set(loaded) - set(own))
    shapes = sorted(f'{k} {tuple(loaded[k].shape)} (network: '
                    f'{tuple(own[k].shape)})' for k in set(own) & set(loaded)
                    if tuple(own[k].shape) != tuple(loaded[k].shape))
    if not (missing or unexpected or shapes):
        return
    listed = []
    for what, keys in (('missing', missing), ('unexpected', unexpected),
                       ('of another shape', shapes)):
        if keys:
            more = f' (+{len(keys) - 5} more)' if len(keys) > 5 else ''
            listed.append(f'{len(keys)} {what}: {", ".join(keys[:5])}{more}')
    raise ValueError(
        f'{type(model).__name__}: network "{name}" is initialised from '
        f'{path} (prefix {prefix!r}), which does not fit its architecture: ' +
        '; '.join(listed) + '. Use a checkpoint of a model built with this '
        'network\'s config (and the prefix of that network in it), or '
        'configure a partial load on a sub-module (e.g. the backbone\'s '
        'init_cfg).')


def _fill_absent_ema_networks(model: 'BaseUDASegmentor', state_dict: dict,
                              prefix: str, *args) -> None:
    """Load-state-dict pre-hook of a UDA model: an EMA network that a
    checkpoint lacks entirely, while it holds that network's student (e.g.
    a mean-teacher stage started with ``load_from`` a source-only or
    pre-training checkpoint, or ``tools/test.py`` / ``init_model`` given
    one), is loaded as a copy of the checkpoint's student, with its update
    counter left as it is (0 for a new model: ``MeanTeacherHook`` still
    copies the student at the first iteration).

    Without this, the EMA network would keep its build-time weights (a
    random or backbone-only initialisation) and predict with them at test
    time, with only mmengine's "missing keys" warning."""
    for ema_name, student in model.ema_pairs():
        container = model.ema_container(ema_name)
        ema_prefix = f'{prefix}{ema_name}.'
        if any(k.startswith(ema_prefix) for k in state_dict):
            continue
        keys = list(container.module.state_dict())
        source = {k: f'{prefix}{student}.{k}' for k in keys}
        if not all(v in state_dict for v in source.values()):
            continue
        for k, src in source.items():
            state_dict[f'{ema_prefix}module.{k}'] = state_dict[src]
        state_dict[f'{ema_prefix}steps'] = container.steps.detach().clone()
        from mmengine.logging import print_log
        print_log(
            f'{type(model).__name__}: the checkpoint has no weights for the '
            f'EMA network "{ema_name}"; loaded it as a copy of the '
            f'checkpoint\'s "{student}"',
            logger='current')


class BaseUDASegmentor(ImageSpaceMixin, BaseModel):
    """Base of udaplug's domain-adaptation models.

    A standard mmseg segmentor (``segmentor``, a
    :class:`MultiOutputEncoderDecoder`) is trained together with auxiliary
    networks: generators, discriminators and any other networks (e.g. a
    frozen feature extractor, a mean teacher). Each network is a direct child
    module with a role (see :mod:`udaplug.models.uda.roles`):

    - ``'trainable'``: one optimizer wrapper each (or one per group, see
      :class:`~udaplug.engine.optimizers.UDAOptimWrapperConstructor`), its
      own DDP wrapper (:class:`UDADistributedDataParallel`);
    - ``'frozen'``: no optimizer, no DDP, ``requires_grad=False``, kept in
      ``eval()`` mode under ``model.train()``;
    - ``'ema'``: the moving average of another network (``ema_of``), an
      :class:`EMANetwork` updated by
      :class:`~udaplug.engine.hooks.MeanTeacherHook`; no optimizer, no DDP,
      ``eval()`` mode, checkpointed with the model.

    Each discriminator has its own adversarial loss: the ``gan_loss`` key of
    its config, else the model's ``gan_loss``.

    Subclasses implement :meth:`train_step` with explicit updates (the
    pattern of mmagic's ``BaseGAN``), using the helpers here:
    :meth:`segmentor_outputs` / :meth:`outputs_of`,
    :meth:`supervised_losses` (optionally with a per-pixel weight and
    pseudo-labels, :meth:`with_labels`), :meth:`backward`, :meth:`step`,
    :func:`frozen`, :meth:`train_discriminator`,
    :meth:`generator_adversarial_loss`, the image-space conversions and
    :meth:`translate` of :class:`ImageSpaceMixin`, and
    :meth:`generator_task_loss` for task gradients that continue into a
    generator under its own loss scale.

    Interfaces that tools and hooks call (with defaults here):
    :meth:`visualization_outputs`, :attr:`can_translate_source` /
    :meth:`translate_source`, :attr:`required_source_keys`,
    :attr:`required_target_keys`.

    Inference (``predict`` and ``tensor`` modes, hence ``val_step``,
    ``test_step``, ``tools/test.py`` and mmseg's ``inference_model``) is
    delegated to the network named by ``predict_on``: the segmentor, or e.g.
    its mean teacher.

    Args:
        segmentor (dict): Config of the segmentation network (may carry
            ``role``; default ``'trainable'``).
        discriminators (dict, optional): Name -> config of each
            discriminator.
        generators (dict, optional): Name -> config of each generator.
        networks (dict, optional): Name -> config of any other network
            (e.g. ``dict(role='ema', ema_of='segmentor')``, a frozen
            feature extractor).
        gan_loss (dict, optional): Default adversarial loss of the
            discriminators, e.g. ``dict(type='DomainAdversarialLoss',
            gan_type='vanilla')``.
        predict_on (str): The network that predicts in ``val``/``test``.
            Defaults to ``'segmentor'``.
        data_preprocessor (dict, optional): Usually ``UDADataPreProcessor``.
        init_cfg (dict, optional): Initialisation config.
        pretrained (None): Accepted for mmseg's ``init_model``, which sets
            it to None; pretrained weights go into ``init_cfg``.
        train_cfg (None): Accepted for mmseg's ``init_model``; the
            segmentor's own ``train_cfg`` is in its config.
    """

    def __init__(self,
                 segmentor: dict,
                 discriminators: ConfigDict = None,
                 generators: ConfigDict = None,
                 networks: ConfigDict = None,
                 gan_loss: Optional[dict] = None,
                 predict_on: str = 'segmentor',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 train_cfg: Optional[dict] = None):
        if pretrained is not None:
            raise ValueError(
                f'{type(self).__name__}: pretrained={pretrained!r} is not '
                'used by UDA models; load weights with the init_cfg of a '
                "network (dict(type='Pretrained', checkpoint=...)) or "
                'load_from')
        if train_cfg:
            raise ValueError(
                f'{type(self).__name__}: train_cfg belongs to the segmentor '
                '(model.segmentor.train_cfg), not to the UDA model')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self._specs: Dict[str, NetworkSpec] = {}
        self._ema_pending: List[NetworkSpec] = []
        self.gan_loss = MODELS.build(gan_loss) if gan_loss else None
        self.gan_losses = nn.ModuleDict()
        self._add_network('segmentor', SEGMENTOR, segmentor)
        for kind, cfgs in ((GENERATOR, generators),
                           (DISCRIMINATOR, discriminators), (OTHER, networks)):
            if cfgs is not None and not isinstance(cfgs, dict):
                raise TypeError(f'{type(self).__name__}: {kind}s must be a '
                                f'dict name -> config, got {cfgs!r}')
            for name, cfg in (cfgs or {}).items():
                self._add_network(name, kind, cfg)
        self._build_ema_networks()
        self.register_load_state_dict_pre_hook(_fill_absent_ema_networks)
        if not isinstance(
                self.network(SEGMENTOR,
                             wrapped=False), BaseSegmentor) or not hasattr(
                                 self.seg_model, 'forward_outputs'):
            raise TypeError(
                f'{type(self).__name__}: the segmentor must return every '
                'head\'s output (type="MultiOutputEncoderDecoder", a drop-in '
                f'for mmseg\'s EncoderDecoder), got '
                f'type="{segmentor.get("type")}"')
        if predict_on not in self._specs or not isinstance(
                self.network(predict_on, wrapped=False), BaseSegmentor):
            candidates = [
                n for n in self._specs
                if isinstance(self.network(n, wrapped=False), BaseSegmentor)
            ]
            raise ValueError(
                f'{type(self).__name__}: predict_on={predict_on!r} must name '
                f'a segmentation network of the model: {candidates}')
        self.predict_on = predict_on

    # ------------------------------------------------------------------
    # Networks and roles
    def _add_network(self, name: str, kind: str, cfg: dict) -> None:
        if name in self._specs or hasattr(self, name):
            raise ValueError(f'{type(self).__name__}: the network name '
                             f'"{name}" is taken; choose another key')
        spec, module_cfg, gan_loss = split_network_cfg(name, kind, cfg)
        self._specs[name] = spec
        if spec.role == EMA:
            self._ema_pending.append(spec)
            return
        module = MODELS.build(module_cfg)
        if spec.role == FROZEN:
            module.requires_grad_(False)
        self.add_module(name, module)
        if kind == DISCRIMINATOR:
            loss_cfg = gan_loss
            if loss_cfg is None and self.gan_loss is None:
                if not spec.trainable:
                    return  # a frozen discriminator used without a loss
                raise ValueError(
                    f'{type(self).__name__}: discriminator "{name}" has no '
                    'adversarial loss: set the model\'s gan_loss or the '
                    f'discriminator\'s own gan_loss=dict(...)')
            self.gan_losses[name] = MODELS.build(loss_cfg) \
                if loss_cfg is not None else self.gan_loss

    def _build_ema_networks(self) -> None:
        for spec in self._ema_pending:
            student = spec.ema_of
            if student not in self._specs or self._specs[student].role == EMA:
                raise ValueError(
                    f'{type(self).__name__}: network "{spec.name}" is the '
                    f'EMA of "{student}", which is not a trainable or frozen '
                    f'network of the model ({self.network_names()})')
            self.add_module(spec.name, EMANetwork(getattr(self, student)))
        self._ema_pending = []

    @property
    def network_specs(self) -> Dict[str, NetworkSpec]:
        """Name -> :class:`NetworkSpec` of every network, in build order."""
        return dict(self._specs)

    def network_names(self,
                      kind: Optional[str] = None,
                      role: Optional[str] = None) -> List[str]:
        """Names of the networks of ``kind`` and ``role`` (all if None)."""
        return [
            name for name, spec in self._specs.items()
            if (kind is None or spec.kind == kind) and (
                role is None or spec.role == role)
        ]

    def role_of(self, name: str) -> str:
        return self._spec(name).role

    def _spec(self, name: str) -> NetworkSpec:
        if name not in self._specs:
            raise KeyError(f'{type(self).__name__} has no network "{name}" '
                           f'(networks: {self.network_names()})')
        return self._specs[name]

    @property
    def trainable_names(self) -> List[str]:
        """The networks with an optimizer."""
        return self.network_names(role='trainable')

    @property
    def discriminator_names(self) -> List[str]:
        """The trainable discriminators."""
        return self.network_names(DISCRIMINATOR, 'trainable')

    @property
    def generator_names(self) -> List[str]:
        """The trainable generators."""
        return self.network_names(GENERATOR, 'trainable')

    @property
    def seg_model(self) -> nn.Module:
        """The segmentation network, outside any DDP wrapper."""
        return self.network(SEGMENTOR, wrapped=False)

    @property
    def predictor(self) -> nn.Module:
        """The segmentation network that predicts (``predict_on``)."""
        return self.network(self.predict_on, wrapped=False)

    @property
    def num_classes(self) -> int:
        return self.seg_model.decode_head.num_classes

    def network(self, name: str, wrapped: bool = True) -> nn.Module:
        """The network called ``name``. ``wrapped=False`` returns it without
        its DDP wrapper (for forward passes whose gradients need no
        synchronisation, e.g. a frozen discriminator in the generator step).
        For an EMA network this is the averaged network itself (its
        :class:`EMANetwork` container is :meth:`ema_container`)."""
        self._spec(name)
        module = getattr(self, name)
        if isinstance(module, EMANetwork):
            return module.module
        return module if wrapped else unwrap(module)

    def ema_container(self, name: str) -> EMANetwork:
        """The :class:`EMANetwork` of EMA network ``name``."""
        if self.role_of(name) != EMA:
            raise ValueError(f'{type(self).__name__}: network "{name}" has '
                             f'role {self.role_of(name)!r}, not "ema"')
        return getattr(self, name)

    def ema_pairs(self) -> List[Tuple[str, str]]:
        """(EMA network, its student) for every EMA network."""
        return [(spec.name, spec.ema_of) for spec in self._specs.values()
                if spec.role == EMA]

    def check_ema_initialised(self, name: str) -> None:
        """Fail when EMA network ``name`` has never been updated (no
        MeanTeacherHook in the config)."""
        if int(self.ema_container(name).steps) == 0:
            raise RuntimeError(
                f'{type(self).__name__}: the EMA network "{name}" (of '
                f'"{self._specs[name].ema_of}") was never updated; add '
                "custom_hooks=[dict(type='MeanTeacherHook', ...)] to the "
                'config')

    def adversarial_loss(self, name: str) -> nn.Module:
        """The adversarial loss of discriminator ``name``."""
        if name not in self.gan_losses:
            raise KeyError(
                f'{type(self).__name__}: "{name}" is not a discriminator '
                'with an adversarial loss (discriminators with one: '
                f'{list(self.gan_losses)}); give it gan_loss=dict(...)')
        return self.gan_losses[name]

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

    def train(self, mode: bool = True) -> 'BaseUDASegmentor':
        """``nn.Module.train``; frozen and EMA networks stay in ``eval()``
        mode (unless their config sets ``train_mode=True``)."""
        super().train(mode)
        for name, spec in self._specs.items():
            if not spec.follows_train:
                getattr(self, name).eval()
        return self

    def init_weights(self) -> None:
        """Check that every ``Pretrained`` checkpoint of the networks'
        ``init_cfg`` exists (naming the network and the file, and quoting
        the init config's ``hint``, udaplug's key for how to obtain the
        file, if it has one), initialise, then check that each network
        initialised as a whole from a file fits it exactly
        (:func:`check_network_loaded`)."""
        for name, module in self.named_modules():
            for init in _pretrained_inits(getattr(module, 'init_cfg', None)):
                # udaplug's own key, not mmengine's: taken out here
                hint = init.pop('hint', None)
                path = init['checkpoint']
                if '://' in path or osp.isfile(path):
                    continue
                owner = name.split('.')[0] or type(self).__name__
                how = f'To obtain it: {hint}' if hint else (
                    'The config\'s comment next to that init_cfg says how to '
                    'obtain the file')
                raise FileNotFoundError(
                    f'{type(self).__name__}: network "{owner}" is '
                    f'initialised from {path} (init_cfg of "{name}"), which '
                    f'does not exist (absolute: {osp.abspath(path)}). {how}; '
                    'or set --cfg-options model...init_cfg=None to start '
                    'from random weights.')
        super().init_weights()
        for name in self._specs:
            check_network_loaded(self, name)

    # ------------------------------------------------------------------
    # Interfaces for tools and hooks (defaults)
    @property
    def required_source_keys(self) -> Tuple[str, ...]:
        """Data-sample fields every source batch must carry (checked by
        ``tools/train.py`` before training)."""
        return ('gt_sem_seg', )

    @property
    def required_target_keys(self) -> Tuple[str, ...]:
        """Data-sample fields every target batch must carry (checked by
        ``tools/train.py`` before training): none by default (the target is
        unlabelled); ``('gt_sem_seg', )`` for models trained on target
        pseudo-labels."""
        return ()

    @property
    def can_translate_source(self) -> bool:
        """Whether :meth:`translate_source` works for this model."""
        return False

    def translate_source(self, inputs: Tensor,
                         data_samples: SampleList) -> Tensor:
        """Translated source images, (N, 3, H, W) RGB in [0, 1], from
        preprocessed source ``inputs`` and their data samples. Used by
        ``tools/translate.py`` and the pipelines' translate stage; models
        with a source-to-target generator implement it and set
        :attr:`can_translate_source`."""
        raise NotImplementedError(
            f'{type(self).__name__} has no source-to-target generator: it '
            'cannot translate images')

    def record_visualization(self, **panels: Tuple[Tensor, str]) -> None:
        """Keep the first sample of each panel of this training step for
        :meth:`visualization_outputs`. Each value is ``(tensor, kind)`` with
        kind ``'input'`` (a preprocessed image batch), ``'tanh'`` (images in
        [-1, 1]), ``'rgb'`` (RGB in [0, 1]), ``'logits'`` (class scores),
        ``'labels'`` (class indices, N x H x W or N x 1 x H x W) or
        ``'depth'``. Keys keep their order; call once per step."""
        last = {}
        for key, (value, kind) in panels.items():
            if kind not in VIS_KINDS:
                raise ValueError(f'record_visualization: kind of {key} must '
                                 f'be one of {VIS_KINDS}, got {kind!r}')
            if value is not None:
                last[key] = (value[:1].detach(), kind)
        self._last_visualization = last

    @torch.no_grad()
    def visualization_outputs(self) -> Dict[str, Tensor]:
        """The panels of the last :meth:`record_visualization`, on CPU, for
        :class:`~udaplug.engine.hooks.TranslationVisualizationHook`: images
        as (3, H, W) RGB in [0, 1], ``logits`` as (H, W) predicted classes
        and ``depth`` as (H, W), all at the size of the first panel. Empty
        before the first training step."""
        last = getattr(self, '_last_visualization', None)
        if not last:
            return {}
        size = None
        vis = {}
        for key, (value, kind) in last.items():
            value = value.float()
            if kind in ('input', 'tanh', 'rgb'):
                out = self.to_unit_rgb(
                    value, tanh=kind == 'tanh') if kind != 'rgb' else value
                out = out[0]
            elif kind == 'labels':
                out = value.reshape(value.shape[0], -1,
                                    *value.shape[-2:])[0, 0].long()
            elif kind == 'depth':
                out = value.reshape(value.shape[0], -1, *value.shape[-2:])
                out = out[0, :1]
            else:  # logits
                out = value[0]
            if size is None:
                size = tuple(out.shape[-2:])
            if kind == 'logits':
                out = self.seg_model.resize_to_input(out[None],
                                                     size)[0].argmax(0)
            elif kind == 'depth':
                out = self.seg_model.resize_to_input(out[None], size)[0, 0]
            vis[key] = out.cpu()
        return vis

    # ------------------------------------------------------------------
    # Inference: delegated to ``predict_on``
    def forward(self,
                inputs: Tensor,
                data_samples: OptSampleList = None,
                mode: str = 'tensor'):
        if mode == 'predict':
            return self.predictor.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.predictor._forward(inputs, data_samples)
        if mode == 'loss':
            return self.seg_model.loss(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')

    # ------------------------------------------------------------------
    # Optimisation helpers
    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        raise NotImplementedError

    def optimizer_of(self, optim_wrapper: OptimWrapperDict,
                     name: str) -> OptimWrapper:
        """The optimizer wrapper of trainable network ``name`` (its own, or
        that of the group it belongs to), with a clear error."""
        if name in self._specs and not self._specs[name].trainable:
            raise ValueError(
                f'{type(self).__name__}: network "{name}" has role '
                f'{self._specs[name].role!r} and no optimizer')
        if not isinstance(optim_wrapper, OptimWrapperDict):
            if name == SEGMENTOR and isinstance(optim_wrapper, OptimWrapper):
                return _check_accumulation(optim_wrapper, name)
            raise TypeError(
                'UDA models train several networks: optim_wrapper must hold '
                'one optimizer per network (an OptimWrapperDict, built with '
                'constructor="UDAOptimWrapperConstructor"), got '
                f'{type(optim_wrapper).__name__}')
        if name in optim_wrapper:
            return _check_accumulation(optim_wrapper[name], name)
        for key, wrapper in optim_wrapper.items():
            if name in getattr(wrapper, 'network_names', ()):
                return _check_accumulation(wrapper, key)
        raise KeyError(
            f'optim_wrapper has no entry for network "{name}" (has: '
            f'{", ".join(optim_wrapper.keys())}): give every trainable '
            'network an optimizer, e.g. optim_wrapper=dict(constructor='
            '"UDAOptimWrapperConstructor", default=dict(optimizer=...), '
            f'{name}=dict(optimizer=...))')

    def segmentor_outputs(self,
                          inputs: Tensor,
                          features: bool = False) -> Dict[str, Tensor]:
        """Every head's logits for ``inputs``, through the segmentor's DDP
        wrapper (so gradients are synchronised across processes); with
        ``features=True`` also the backbone/neck feature maps
        (``'features'``, see :class:`MultiOutputEncoderDecoder`)."""
        return self.outputs_of(SEGMENTOR, inputs, features=features)

    def outputs_of(self,
                   name: str,
                   inputs: Tensor,
                   features: bool = False,
                   wrapped: bool = True) -> Dict[str, Tensor]:
        """:meth:`segmentor_outputs` of segmentation network ``name`` (e.g.
        the mean teacher, under ``torch.no_grad()`` by the caller)."""
        if self._spec(name).role == EMA and self.training:
            self.check_ema_initialised(name)
        return self.network(name, wrapped)(
            inputs, mode='outputs', features=features)

    def supervised_losses(self,
                          outputs: Dict[str, Tensor],
                          data_samples: SampleList,
                          pixel_weight: Optional[Tensor] = None,
                          prefix: str = '') -> Dict[str, Tensor]:
        """The segmentor's supervised losses (with the heads' loss weights)
        computed from :meth:`segmentor_outputs` and the samples'
        ``gt_sem_seg`` (labels or pseudo-labels, see :meth:`with_labels`);
        ``pixel_weight`` (N, H, W) at label size weights each pixel's loss
        (e.g. a pseudo-label confidence). Keys are prefixed with
        ``prefix``."""
        losses = self.seg_model.loss_by_outputs(
            outputs, data_samples, pixel_weight=pixel_weight)
        return {f'{prefix}{k}': v for k, v in losses.items()}

    @staticmethod
    def with_labels(data_samples: SampleList, labels: Tensor) -> SampleList:
        """Copies of ``data_samples`` whose ``gt_sem_seg`` is ``labels``
        (N, H, W) or (N, 1, H, W) (e.g. pseudo-labels)."""
        if labels.dim() == 3:
            labels = labels[:, None]
        if len(labels) != len(data_samples):
            raise ValueError(f'with_labels: {len(labels)} label maps for '
                             f'{len(data_samples)} samples')
        out = []
        for sample, label in zip(data_samples, labels):
            new = sample.clone()
            new.gt_sem_seg = PixelData(data=label.long())
            out.append(new)
        return out

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
                 prefix: str = '') -> Dict[str, Tensor]:
        """Sum ``losses`` (keys containing ``loss``), check they are finite
        and back-propagate through ``optim_wrapper`` (which scales the loss
        under mixed precision). Returns the values to log, their names
        prefixed with ``prefix`` (also in the error naming a non-finite
        loss)."""
        loss, log_vars = self.parse_losses({
            f'{prefix}{k}': v
            for k, v in losses.items()
        })
        optim_wrapper.backward(loss)
        log_vars.pop('loss')
        return log_vars

    @staticmethod
    def step(*optim_wrappers: OptimWrapper) -> None:
        """Update the parameters and clear the gradients."""
        for wrapper in optim_wrappers:
            wrapper.step()
            wrapper.zero_grad()

    @staticmethod
    def loss_scale(optim_wrapper: OptimWrapper) -> float:
        """The factor ``optim_wrapper.backward`` multiplies losses by (1
        without mixed precision)."""
        scaler = getattr(optim_wrapper, 'loss_scaler', None)
        if scaler is None or not scaler.is_enabled():
            return 1.0
        return float(scaler.get_scale())

    @staticmethod
    def task_input(translated: Tensor) -> Tensor:
        """A leaf copy of a generator's output for the task network: its
        gradient, after the task network's backward, is handed to the
        generator by :meth:`generator_task_loss`."""
        return translated.detach().requires_grad_()

    def generator_task_loss(self, translated: Tensor, task_input: Tensor,
                            task_optim: OptimWrapper) -> Tensor:
        """The surrogate loss that continues the task network's gradient
        into the generator: ``sum(translated * grad)`` with ``grad`` the
        gradient of ``task_input`` (:meth:`task_input` of ``translated``)
        left by ``task_optim.backward``, unscaled. Back-propagated with the
        generator's own optimizer (and loss scale), its gradient w.r.t. the
        generator equals that of the task losses, while each optimizer's
        loss scaler sees only its own gradients (mixed precision)."""
        if task_input.grad is None:
            raise RuntimeError(
                'generator_task_loss: the task input has no gradient; '
                'back-propagate the task losses computed from it first')
        grad = task_input.grad / self.loss_scale(task_optim)
        return (translated * grad.to(translated.dtype)).sum()

    def train_discriminator(
            self,
            name: str,
            optim_wrapper: OptimWrapper,
            source: Tensor,
            target: Tensor,
            source_kwargs: Optional[dict] = None,
            target_kwargs: Optional[dict] = None) -> Dict[str, Tensor]:
        """Back-propagate discriminator ``name``'s loss for telling ``source``
        inputs from ``target`` ones (both detached here) with its own
        adversarial loss: the mean of the two domains' terms (AdaptSegNet
        Eq. 2), each back-propagated on its own as the official code does.
        ``*_kwargs`` go to the loss (e.g. labels of a class-aware loss). The
        caller steps ``optim_wrapper``."""
        disc = self.network(name)
        loss_fn = self.adversarial_loss(name)
        log_vars = {}
        for domain, value, kwargs in (('source', source, source_kwargs),
                                      ('target', target, target_kwargs)):
            with optim_wrapper.optim_context(disc):
                loss = 0.5 * loss_fn(
                    disc(value.detach()),
                    domain,
                    is_disc=True,
                    **(kwargs or {}))
            log_vars.update(
                self.backward(
                    optim_wrapper, {f'loss_{domain}': loss},
                    prefix=f'{name}.'))
        return log_vars

    def generator_adversarial_loss(self,
                                   name: str,
                                   inputs: Tensor,
                                   weight: float,
                                   mistaken_for: str = 'source',
                                   **loss_kwargs) -> Tensor:
        """``weight`` x the loss for making discriminator ``name`` take
        ``inputs`` for the domain ``mistaken_for``: target outputs for source
        ones (AdaptSegNet Eq. 4), or translated source images for target ones
        (input-level adaptation). The discriminator runs without its DDP
        wrapper and must be frozen by the caller (:func:`frozen`)."""
        disc = self.network(name, wrapped=False)
        return weight * self.adversarial_loss(name)(
            disc(inputs), mistaken_for, is_disc=False, **loss_kwargs)


def _check_accumulation(wrapper: OptimWrapper, name: str) -> OptimWrapper:
    counts = getattr(wrapper, '_accumulative_counts', 1)
    if counts != 1:
        raise ValueError(
            f'optim_wrapper "{name}": accumulative_counts={counts} is not '
            'supported by UDA models (several backward passes per network '
            'and iteration); remove accumulative_counts and raise the batch '
            'size or the number of processes instead')
    return wrapper


def check_networks(model: BaseUDASegmentor, kind: str, expected: Sequence[str],
                   why: str) -> None:
    """Fail when the trainable networks of ``kind`` are not exactly
    ``expected`` (``why`` says which settings decide)."""
    got = sorted(model.network_names(kind, 'trainable'))
    if got == sorted(expected):
        return
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    raise ValueError(
        f'{type(model).__name__}: {why} the model needs {kind}s '
        f'{sorted(expected) or "none"}, but the config has {got or "none"}' +
        (f' (missing: {missing})' if missing else '') +
        (f' (not used: {extra})' if extra else ''))

"""Network roles of a UDA model.

Every network of a udaplug model (the segmentor, each generator, each
discriminator, any other network) has one role, given by the reserved key
``role`` of its config:

- ``'trainable'`` (default): has its own optimizer (an entry of
  ``optim_wrapper``, or a group's), its own DistributedDataParallel wrapper,
  follows ``model.train()``;
- ``'frozen'``: never trained (e.g. an ImageNet VGG-16 feature extractor, a
  translator trained in an earlier stage): no optimizer, no DDP wrapper,
  ``requires_grad=False``, kept in ``eval()`` mode while the model trains;
  its weights come from its ``init_cfg`` (``dict(type='Pretrained',
  checkpoint=..., prefix=...)``) or from the model's checkpoint;
- ``'ema'``: the exponential moving average of another network, named by
  ``ema_of`` (e.g. the mean teacher of the segmentor): same architecture,
  no optimizer, no DDP wrapper, kept in ``eval()`` mode, checkpointed;
  updated by :class:`~udaplug.engine.hooks.MeanTeacherHook`.

Reserved keys of a network config (removed before the network is built):
``role``, ``ema_of`` (role ``'ema'``), ``train_mode`` (``True`` keeps a
frozen or EMA network in training mode, e.g. BatchNorm on batch statistics)
and, for discriminators, ``gan_loss`` (its own adversarial loss; the model's
``gan_loss`` otherwise).
"""
import copy
from dataclasses import dataclass
from typing import Optional, Tuple

TRAINABLE = 'trainable'
FROZEN = 'frozen'
EMA = 'ema'
ROLES = (TRAINABLE, FROZEN, EMA)

SEGMENTOR = 'segmentor'
GENERATOR = 'generator'
DISCRIMINATOR = 'discriminator'
OTHER = 'network'
KINDS = (SEGMENTOR, GENERATOR, DISCRIMINATOR, OTHER)

META_KEYS = ('role', 'ema_of', 'train_mode', 'gan_loss')


@dataclass(frozen=True)
class NetworkSpec:
    """What a UDA model knows about one of its networks.

    Attributes:
        name (str): Attribute name of the network in the model (and key of
            its optimizer wrapper).
        kind (str): ``'segmentor'``, ``'generator'``, ``'discriminator'`` or
            ``'network'``.
        role (str): ``'trainable'``, ``'frozen'`` or ``'ema'``.
        ema_of (str, optional): The network an ``'ema'`` network averages.
        train_mode (bool): Whether a frozen/EMA network follows
            ``model.train()`` (trainable networks always do).
    """
    name: str
    kind: str
    role: str
    ema_of: Optional[str] = None
    train_mode: bool = False

    @property
    def trainable(self) -> bool:
        return self.role == TRAINABLE

    @property
    def follows_train(self) -> bool:
        """Whether ``model.train()`` puts this network in training mode."""
        return self.role == TRAINABLE or self.train_mode


def split_network_cfg(name: str, kind: str,
                      cfg: dict) -> Tuple[NetworkSpec, dict, Optional[dict]]:
    """Separate the reserved keys of a network config.

    Returns:
        tuple: the :class:`NetworkSpec`, the config of the module itself
        (``None`` for an EMA network, which copies its student), and the
        network's own ``gan_loss`` config (discriminators only, else None).
    """
    if not isinstance(cfg, dict):
        raise TypeError(f'model: the config of network "{name}" must be a '
                        f'dict, got {type(cfg).__name__}')
    cfg = copy.deepcopy(dict(cfg))
    role = cfg.pop('role', TRAINABLE)
    ema_of = cfg.pop('ema_of', None)
    train_mode = bool(cfg.pop('train_mode', False))
    gan_loss = cfg.pop('gan_loss', None)
    where = f'model: network "{name}"'
    if role not in ROLES:
        raise ValueError(f'{where}: role must be one of {list(ROLES)}, got '
                         f'{role!r}')
    if gan_loss is not None and kind != DISCRIMINATOR:
        raise ValueError(f'{where}: only discriminators take a gan_loss; '
                         'remove it or declare the network under '
                         'discriminators=')
    if role == EMA:
        if gan_loss is not None:
            raise ValueError(f'{where}: an EMA network is not trained and '
                             'takes no gan_loss; remove it')
        if not ema_of:
            raise ValueError(f'{where}: role="ema" needs ema_of=<name of the '
                             'network it averages>, e.g. '
                             "dict(role='ema', ema_of='segmentor')")
        extra = sorted(k for k in cfg if k != 'type')
        if extra or 'type' in cfg:
            raise ValueError(
                f'{where}: an EMA network copies the architecture of '
                f'"{ema_of}"; remove {sorted(cfg)} from its config')
        module_cfg = None
    else:
        if ema_of is not None:
            raise ValueError(f'{where}: ema_of is only for role="ema" (got '
                             f'role={role!r})')
        if 'type' not in cfg:
            raise ValueError(f'{where}: its config needs a "type"')
        module_cfg = cfg
    if train_mode and role == TRAINABLE:
        raise ValueError(f'{where}: train_mode is for frozen and EMA '
                         'networks; trainable networks always train')
    spec = NetworkSpec(name, kind, role, ema_of, train_mode)
    return spec, module_cfg, gan_loss

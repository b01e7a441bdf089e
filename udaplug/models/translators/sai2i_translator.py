"""The pixel-level alignment stage of Musto & Zinelli, "Semantically
Adaptive Image-to-image Translation for Domain Adaptation of Semantic
Segmentation", BMVC 2020 (Sec. 3.1-3.2, App. A-B)."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapperDict
from mmseg.utils import SampleList
from torch import Tensor

from udaplug.registry import MODELS
from ..uda import BaseUDASegmentor, frozen
from ..uda.base_uda import check_networks

ENCODERS = {'source': 'enc_s', 'target': 'enc_t'}
GENERATORS = {'source': 'gen_s', 'target': 'gen_t'}
DISCRIMINATORS = {'source': 'disc_s', 'target': 'disc_t'}
LOSS_TERMS = ('recon', 'gan', 'cycle_image', 'cycle_latent', 'sce')
# Sec. 4 "Translation network": lambda_recon 10, lambda_GAN 1,
# lambda_CCI 10, lambda_CCH 1, lambda_SCE 10.
DEFAULT_LOSS_WEIGHTS = dict(
    recon=10.0, gan=1.0, cycle_image=10.0, cycle_latent=1.0, sce=10.0)


@MODELS.register_module()
class SAI2ITranslator(BaseUDASegmentor):
    """Coupled, semantically adaptive image-to-image translation (UNIT-style
    shared latent space with SPADE generators), trained in a stage of its
    own: the segmentor M is frozen (``role='frozen'``, its weights from the
    previous stage) and only guides and checks the translation.

    Networks: encoders ``enc_s``/``enc_t`` (E_S, E_T,
    :class:`ContentEncoder`), generators ``gen_s``/``gen_t`` (G_S, G_T,
    :class:`SPADEGenerator`), image discriminators ``disc_s``/``disc_t``
    (D_S, D_T, :class:`MultiScaleDiscriminator`, LSGAN) and the frozen
    ``segmentor``. With ``m_A`` the unnormalised logits of M on ``x_A``
    (App. A), upsampled to the image size::

        x_{A->B} = G_B(E_A(x_A), m_A)                      (Sec. 3.1)

    and for the cycles the guidance of the original image (App. A: "we
    adopt M(X_S) as semantic guidance in this case too")::

        x_{A->B->A} = G_A(E_B(x_{A->B}), m_A).

    One iteration minimises Eq. (1) over the encoders and generators
    (discriminators frozen), summing each term over both domains:

    - ``recon``: L1(x_{A->A}, x_A)                                 (Eq. 2)
    - ``gan``: 1/2 (D_B(x_{A->B}) - r)^2, r the real label, for D_T on
      x_{S->T} and D_S on x_{T->S} (the generator side of Eq. 3, LSGAN),
      summed over the discriminators' scales
    - ``cycle_image`` (CCI): L1(x_{A->B->A}, x_A)                 (Eq. 4)
    - ``cycle_latent`` (CCH): L1(E_B(x_{A->B}), E_A(x_A))         (Eq. 4)
    - ``sce``: the symmetric cross-entropy between M(x_{A->B}) and M(x_A),
      ``-sum M(x_A) log M(x_{A->B}) - sum M(x_{A->B}) log M(x_A)``
      averaged over pixels (Eq. 5), with gradients through M(x_{A->B})
      only (M(x_A) does not depend on the translation networks);

    then trains each discriminator on Eq. (3): 1/2 (D(real) - 0)^2 +
    1/2 (D(fake) - 1)^2 on detached translations (labels as printed in
    Eq. 3; set by each discriminator's ``gan_loss``), and steps every
    optimizer.

    Ablations (Table 3): generators with ``with_spade=False`` (no semantic
    guidance) and/or ``loss_weights.sce=0``; with neither, M is not run.

    ``translate_source`` (the translate stage, ``tools/translate.py``)
    returns ``G_T(E_S(x_S), m_S)`` as RGB in [0, 1].

    Args:
        segmentor (dict): The segmentation network M, ``role='frozen'``
            (e.g. ``init_cfg=dict(type='Pretrained', checkpoint=...,
            prefix='segmentor.')`` from the previous stage's checkpoint).
        generators (dict): ``enc_s``, ``enc_t``, ``gen_s``, ``gen_t``.
        discriminators (dict): ``disc_s``, ``disc_t``, each with its own
            ``gan_loss`` (a :class:`MultiScaleAdversarialLoss`).
        loss_weights (dict): Weights of ``recon``, ``gan``,
            ``cycle_image``, ``cycle_latent`` and ``sce``. Defaults to
            Sec. 4's 10, 1, 10, 1, 10.
        sce_loss (dict): The soft symmetric cross-entropy
            (``SymmetricCrossEntropyLoss`` with alpha = beta = 1: both
            terms of Eq. 5 with weight 1).
        **kwargs: :class:`BaseUDASegmentor` arguments
            (``data_preprocessor``, ``init_cfg``...).
    """

    def __init__(self,
                 segmentor: dict,
                 generators: Dict[str, dict],
                 discriminators: Dict[str, dict],
                 loss_weights: Optional[dict] = None,
                 sce_loss: dict = dict(
                     type='SymmetricCrossEntropyLoss',
                     alpha=1.0,
                     beta=1.0,
                     loss_name='loss_sce'),
                 **kwargs):
        super().__init__(
            segmentor,
            generators=generators,
            discriminators=discriminators,
            **kwargs)
        if self.role_of('segmentor') != 'frozen':
            raise ValueError(
                f'{type(self).__name__} trains the translation networks '
                'only: the segmentor M must be frozen (segmentor=dict(..., '
                "role='frozen', init_cfg=dict(type='Pretrained', "
                "checkpoint=..., prefix='segmentor.')))")
        check_networks(self, 'generator',
                       [*ENCODERS.values(), *GENERATORS.values()],
                       'the coupled GANs:')
        check_networks(self, 'discriminator', list(DISCRIMINATORS.values()),
                       'the coupled GANs:')
        weights = dict(DEFAULT_LOSS_WEIGHTS, **(loss_weights or {}))
        unknown = set(weights) - set(LOSS_TERMS)
        if unknown:
            raise ValueError(f'loss_weights: unknown terms {sorted(unknown)}'
                             f'; the terms are {LOSS_TERMS}')
        self.loss_weights = {k: float(v) for k, v in weights.items()}
        self.sce_loss = MODELS.build(sce_loss)
        self._check_translation_networks()

    # ------------------------------------------------------------------
    # Build-time checks
    def _check_translation_networks(self) -> None:
        classes = self.num_classes
        for domain in ('source', 'target'):
            enc = self.network(ENCODERS[domain], wrapped=False)
            gen = self.network(GENERATORS[domain], wrapped=False)
            if getattr(enc, 'in_channels', 3) != 3 or \
                    getattr(gen, 'out_channels', 3) != 3:
                raise ValueError(
                    f'{ENCODERS[domain]} must take and {GENERATORS[domain]} '
                    'must produce 3-channel images')
            self.check_in_channels(DISCRIMINATORS[domain], 3, 'an image')
            for other in ENCODERS.values():
                out = getattr(
                    self.network(other, wrapped=False), 'out_channels', None)
                if out is not None and out != gen.in_channels:
                    raise ValueError(
                        f'{GENERATORS[domain]} takes latent codes with '
                        f'{gen.in_channels} channels, but {other} produces '
                        f'{out}: set {GENERATORS[domain]}.in_channels={out}')
            if getattr(gen, 'with_spade', False) and \
                    gen.label_channels != classes:
                raise ValueError(
                    f'{GENERATORS[domain]}: SPADE is guided by the '
                    f'segmentor\'s logits ({classes} classes), but '
                    f'label_channels={gen.label_channels}; set '
                    f'label_channels={classes}')
        self.size_divisor = max(
            getattr(self.network(n, wrapped=False), 'downsample_factor', 1)
            for n in ENCODERS.values())

    @property
    def uses_semantics(self) -> bool:
        """Whether M runs: for SPADE guidance or for the SCE loss."""
        return self.loss_weights['sce'] > 0 or any(
            getattr(self.network(n, wrapped=False), 'with_spade', False)
            for n in GENERATORS.values())

    @property
    def required_source_keys(self) -> Tuple[str, ...]:
        return ()  # the translation uses no source labels (App. A)

    # ------------------------------------------------------------------
    # Translation
    def semantic_map(self, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """(M's logits at its output size, the logits upsampled to the
        image size) for preprocessed ``inputs``; no gradient (M is
        frozen and its input does not depend on the translation)."""
        with torch.no_grad():
            logits = self.outputs_of('segmentor', inputs)['seg']
            return logits, self.seg_model.resize_to_input(
                logits, inputs.shape[2:])

    def encode(self,
               domain: str,
               images: Tensor,
               wrapped: bool = True) -> Tensor:
        return self.network(ENCODERS[domain], wrapped)(images)

    def generate(self,
                 domain: str,
                 latent: Tensor,
                 segmap: Optional[Tensor],
                 wrapped: bool = True) -> Tensor:
        return self.network(GENERATORS[domain], wrapped)(latent, segmap)

    def _padded(self, images: Tensor, segmap: Optional[Tensor]):
        h, w = images.shape[2:]
        f = self.size_divisor
        pad = (0, (-w) % f, 0, (-h) % f)
        if not any(pad):
            return images, segmap
        images = F.pad(images, pad, mode='reflect')
        if segmap is not None:
            segmap = F.pad(segmap, pad, mode='reflect')
        return images, segmap

    @property
    def can_translate_source(self) -> bool:
        return True

    @torch.no_grad()
    def translate_source(self, inputs: Tensor,
                         data_samples: SampleList) -> Tensor:
        """``G_T(E_S(x_S), M(x_S))`` as (N, 3, H, W) RGB in [0, 1];
        images whose sides are not multiples of the encoders' downsampling
        factor are reflect-padded and cropped back."""
        segmap = self.semantic_map(inputs)[1] if self.uses_semantics \
            else None
        h, w = inputs.shape[2:]
        images, segmap = self._padded(self.to_tanh_range(inputs), segmap)
        out = self.generate(
            'target',
            self.encode('source', images, wrapped=False),
            segmap,
            wrapped=False)[:, :, :h, :w]
        return self.to_unit_rgb(out, tanh=True)

    # ------------------------------------------------------------------
    # Training
    def _optimizers(self, optim_wrapper: OptimWrapperDict, names):
        """The distinct optimizer wrappers of ``names``."""
        wrappers = []
        for name in names:
            wrapper = self.optimizer_of(optim_wrapper, name)
            if all(wrapper is not w for w in wrappers):
                wrappers.append(wrapper)
        return wrappers

    def translation_losses(self, x: Dict[str, Tensor],
                           inputs: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """The generator-side terms of Eq. (1), weighted, and the images
        made on the way (``fakes``)."""
        w = self.loss_weights
        semantics = self.uses_semantics
        logits, segmaps = {}, {}
        for domain in ('source', 'target'):
            if semantics:
                logits[domain], segmaps[domain] = self.semantic_map(
                    inputs[domain])
            else:
                logits[domain] = segmaps[domain] = None
        other = {'source': 'target', 'target': 'source'}
        z = {d: self.encode(d, x[d]) for d in x}
        recon, cycle, latent, gan, sce = [], [], [], [], []
        fakes = {}
        for a, b in other.items():
            m_a = segmaps[a]
            recon.append(F.l1_loss(self.generate(a, z[a], m_a), x[a]))
            fake = self.generate(b, z[a], m_a)  # x_{a->b}
            fakes[a] = fake
            z_fake = self.encode(b, fake)
            latent.append(F.l1_loss(z_fake, z[a]))
            cycle.append(F.l1_loss(self.generate(a, z_fake, m_a), x[a]))
            # LSGAN generator side (Eq. 3): D_b takes x_{a->b} for real b
            gan.append(
                self.generator_adversarial_loss(
                    DISCRIMINATORS[b], fake, 0.5, mistaken_for=b))
            if w['sce'] > 0:
                fake_logits = self.outputs_of(
                    'segmentor', self.from_tanh_range(fake))['seg']
                sce.append(
                    self.sce_loss(fake_logits, F.softmax(logits[a], dim=1)))
        losses = dict(
            loss_recon=w['recon'] * sum(recon),
            loss_gan=w['gan'] * sum(gan),
            loss_cycle_image=w['cycle_image'] * sum(cycle),
            loss_cycle_latent=w['cycle_latent'] * sum(latent))
        if sce:
            losses['loss_sce'] = w['sce'] * sum(sce)
        return losses, fakes, logits

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        data = self.data_preprocessor(data, True)
        inputs = {d: data[d]['inputs'] for d in ('source', 'target')}
        for d, value in inputs.items():
            if value.shape[2] % self.size_divisor or \
                    value.shape[3] % self.size_divisor:
                raise ValueError(
                    f'{type(self).__name__}: {d} training crops of '
                    f'{tuple(value.shape[2:])} are not multiples of '
                    f'{self.size_divisor} (the encoders\' downsampling); '
                    'choose a crop size that is')
        x = {d: self.to_tanh_range(v) for d, v in inputs.items()}
        gen_optims = self._optimizers(
            optim_wrapper, [*ENCODERS.values(), *GENERATORS.values()])
        if len(gen_optims) != 1:
            raise ValueError(
                f'{type(self).__name__}: the encoders and generators are '
                'trained by one loss (Eq. 1) and need one optimizer: group '
                "them, optim_wrapper=dict(..., generators=dict(networks=["
                "'enc_s', 'enc_t', 'gen_s', 'gen_t'], ...))")
        disc_names = list(DISCRIMINATORS.values())
        disc_optims = self._optimizers(optim_wrapper, disc_names)
        log_vars = {}

        # 1. Encoders and generators (Eq. 1), discriminators frozen.
        with frozen(*[self.network(n) for n in disc_names]):
            with gen_optims[0].optim_context(self.network('enc_s')):
                losses, fakes, logits = self.translation_losses(x, inputs)
            loss, parsed = self.parse_losses(losses)
            gen_optims[0].backward(loss)
            parsed.pop('loss')
            log_vars.update(parsed)

        # 2. Discriminators (Eq. 3): real images vs detached translations;
        # the 'source' argument of each is the source-domain image.
        disc_t, disc_s = DISCRIMINATORS['target'], DISCRIMINATORS['source']
        log_vars.update(
            self.train_discriminator(
                disc_t,
                self.optimizer_of(optim_wrapper, disc_t),
                source=fakes['source'],
                target=x['target']))
        log_vars.update(
            self.train_discriminator(
                disc_s,
                self.optimizer_of(optim_wrapper, disc_s),
                source=x['source'],
                target=fakes['target']))

        # 3. Update every network.
        self.step(*gen_optims, *disc_optims)
        self.record_visualization(
            source_image=(inputs['source'], 'input'),
            translated_image=(fakes['source'], 'tanh'),
            seg_pred=(logits['source'], 'logits'),  # skipped when None
            target_image=(inputs['target'], 'input'),
            target_to_source_image=(fakes['target'], 'tanh'))
        return log_vars

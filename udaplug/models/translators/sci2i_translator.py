from typing import Dict, Optional, Tuple

import torch
from mmengine.optim import OptimWrapperDict
from mmseg.utils import SampleList
from torch import Tensor

from udaplug.registry import MODELS
from ..losses.class_aware_adversarial_loss import ClassAwareAdversarialLoss
from ..segmentors.sci2i import current_iteration
from ..uda import BaseUDASegmentor, frozen
from ..uda.base_uda import check_networks
from ..utils.ramps import linear_ramp
from ..utils.step_rng import draw_seed, step_generator

GENERATOR = 'gen'
GENERATOR_EMA = 'gen_ema'
DISCRIMINATOR = 'disc'
PSEUDO_LABEL_MODES = ('precomputed', 'online')


def stack_labels(data_samples: SampleList, what: str) -> Tensor:
    """(N, H, W) ``gt_sem_seg`` of the samples (padded with 255 by the data
    preprocessor), with an error naming the image that has none."""
    labels = []
    for sample in data_samples:
        if 'gt_sem_seg' not in sample:
            raise KeyError(
                f'SCI2ITranslator: {what} sample {sample.get("img_path")} '
                'has no labels (gt_sem_seg)' +
                (': the target needs pseudo-labels with '
                 "pseudo_labels='precomputed' (written by the pseudo-label "
                 'stage and loaded with LoadAnnotations), or use '
                 "pseudo_labels='online'" if what == 'target' else ''))
        labels.append(sample.gt_sem_seg.data)
    return torch.stack(labels)[:, 0].long()


@MODELS.register_module()
class SCI2ITranslator(BaseUDASegmentor):
    """Semantically consistent image-to-image translation of Brehm et al.,
    "Semantically Consistent Image-to-Image Translation for Unsupervised
    Domain Adaptation", ICAART 2022, Sec. 3.2 (phase b, "I2I training").

    Networks:

    - ``gen``: the generator G (:class:`SCI2IGenerator`), translating
      synthetic source images into target-looking ones, and ``gen_ema``
      (role ``'ema'`` of ``gen``), its moving average ("For validation
      purposes, we keep exponential moving averages of the generator
      weights", Sec. 4.2), which :meth:`translate_source` uses;
    - ``disc``: D (:class:`ACHeadDiscriminator`) with a GAN head (1 + |C|
      maps) and an AC segmentation head on frozen VGG-16 features, and its
      own adversarial loss (``gan_loss``, :class:`ClassAwareAdversarialLoss`,
      Eq. 2-6);
    - ``segmentor``: no segmentation network is trained in this phase; the
      model still holds one (role ``'frozen'``), which validation and
      testing use. The pipeline configs give it the warm-up model M0's
      teacher.

    One iteration, with x_s, y_s the source batch, x_t the target batch and
    y^_t its pseudo-labels (all images in [-1, 1] for G and D):

    1. G (D frozen) minimises Eq. (9), L_G = (L_G,seg + L_G,gan + L_G,id) /
       HW: the AC head's cross-entropy on G(x_s) with y_s (Eq. 1, first
       term; the gradient flows through D into G), the GAN loss pushing D's
       domain map and the class maps of y_s on G(x_s) towards "real" (Eq. 3,
       5, 6) and the identity loss ||G(x_t) - x_t||_1 (Eq. 8: L1 over the
       channels, averaged over the pixels);
    2. D minimises Eq. (7), L_D = (L_D,seg + L_D,gan) / HW: the AC head's
       cross-entropy on G(x_s) (detached) with y_s plus lambda_pl times the
       symmetric cross-entropy on x_t with y^_t (Eq. 1), and the GAN loss
       with G(x_s) as "fake" (labels y_s) and x_t as "real" (labels y^_t)
       (Eq. 2, 4, 6); the two domains are back-propagated one after the
       other;
    3. both optimizers step; ``MeanTeacherHook`` updates ``gen_ema``.

    Pseudo-labels (``pseudo_labels``): ``'precomputed'`` (the paper's main
    setting): the target samples carry them as ``gt_sem_seg`` (written by
    the pseudo-label stage from M0's teacher), lambda_pl and lambda_cgan
    are constant (0.3); ``'online'`` (Table 3, "w/o pre-computed
    pseudo-labels"): y^_t is the argmax of D's AC head on x_t, and
    lambda_pl and lambda_cgan fade linearly from 0 at iteration
    ``online_ramp[0]`` to their values at ``online_ramp[1]`` (20,000 and
    100,000, Sec. 4.2).

    The noise of G's stochastic variation comes from a generator seeded per
    iteration and process (:func:`step_generator`): resumed runs are exact
    and the global random state is not used.

    Args:
        segmentor (dict): A segmentation network config with
            ``role='frozen'``.
        generators (dict): ``gen`` (trainable) and ``gen_ema``
            (``dict(role='ema', ema_of='gen')``).
        discriminators (dict): ``disc`` with its ``gan_loss``.
        seg_loss (dict): L_seg on translated images (Eq. 1). Defaults to
            softmax cross-entropy.
        pseudo_seg_loss (dict): L_seg on target pseudo-labels (Eq. 1).
            Defaults to the symmetric cross-entropy with the SCE paper's
            alpha 0.1, beta 1, A = log 1e-4 (not stated in Brehm et al.).
        pseudo_label_weight (float): lambda_pl. Defaults to 0.3 (Sec. 4.2).
        pseudo_labels (str): ``'precomputed'`` or ``'online'``.
        online_ramp (tuple): Start and end iteration of the online ramp.
        generator_seg_loss (bool): Use L_G,seg (Table 3 "w/o L_G,seg":
            False). Defaults to True.
        identity_weight (float): Weight of L_G,id. Defaults to 1 (Eq. 9).
        seed (int, optional): Seed of the noise generators. Defaults to
            ``torch.initial_seed()`` (the runner's ``randomness.seed``).
        data_preprocessor (dict, optional): ``UDADataPreProcessor`` config.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 segmentor: dict,
                 generators: Dict[str, dict],
                 discriminators: Dict[str, dict],
                 seg_loss: dict = dict(
                     type='CrossEntropyLoss',
                     use_sigmoid=False,
                     avg_non_ignore=True),
                 pseudo_seg_loss: dict = dict(
                     type='SymmetricCrossEntropyLoss', alpha=0.1, beta=1.0),
                 pseudo_label_weight: float = 0.3,
                 pseudo_labels: str = 'precomputed',
                 online_ramp: Tuple[int, int] = (20000, 100000),
                 generator_seg_loss: bool = True,
                 identity_weight: float = 1.0,
                 seed: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 **kwargs):
        if pseudo_labels not in PSEUDO_LABEL_MODES:
            raise ValueError(f'SCI2ITranslator: pseudo_labels must be one of '
                             f'{PSEUDO_LABEL_MODES}, got {pseudo_labels!r}')
        if segmentor.get('role') != 'frozen':
            raise ValueError(
                'SCI2ITranslator trains no segmentation network: give its '
                "segmentor role='frozen' (e.g. the warm-up model's teacher, "
                'loaded with init_cfg=dict(type="Pretrained", ...))')
        super().__init__(
            segmentor,
            generators=generators,
            discriminators=discriminators,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg,
            **kwargs)
        check_networks(self, 'generator', [GENERATOR],
                       'for image-to-image translation')
        check_networks(self, 'discriminator', [DISCRIMINATOR],
                       'for image-to-image translation')
        specs = self.network_specs
        if GENERATOR_EMA not in specs or \
                specs[GENERATOR_EMA].ema_of != GENERATOR:
            raise ValueError(
                'SCI2ITranslator: the EMA of the generator translates; add '
                "generators=dict(gen_ema=dict(role='ema', ema_of='gen'))")
        disc = self.network(DISCRIMINATOR, wrapped=False)
        if getattr(disc, 'num_classes', None) != self.num_classes:
            raise ValueError(
                f'SCI2ITranslator: the discriminator has num_classes='
                f'{getattr(disc, "num_classes", None)}, the segmentor '
                f'{self.num_classes}; set discriminators.disc.num_classes='
                f'{self.num_classes}')
        if not isinstance(
                self.adversarial_loss(DISCRIMINATOR),
                ClassAwareAdversarialLoss):
            raise ValueError(
                'SCI2ITranslator: the discriminator needs the class-aware '
                "loss: gan_loss=dict(type='ClassAwareAdversarialLoss', ...)")
        self.seg_loss = MODELS.build(seg_loss)
        self.pseudo_seg_loss = MODELS.build(pseudo_seg_loss)
        self.pseudo_label_weight = float(pseudo_label_weight)
        self.pseudo_labels = pseudo_labels
        self.online_ramp = tuple(int(i) for i in online_ramp)
        self.generator_seg_loss = bool(generator_seg_loss)
        self.identity_weight = float(identity_weight)
        self.seed = draw_seed() if seed is None else int(seed)
        self._steps = 0

    # ------------------------------------------------------------------
    @property
    def required_source_keys(self) -> Tuple[str, ...]:
        return ('gt_sem_seg', )

    @property
    def required_target_keys(self) -> Tuple[str, ...]:
        """The target pseudo-labels with ``pseudo_labels='precomputed'``
        (none with ``'online'``)."""
        return ('gt_sem_seg', ) if self.pseudo_labels == 'precomputed' \
            else ()

    @property
    def can_translate_source(self) -> bool:
        return True

    @torch.no_grad()
    def translate_source(self, inputs: Tensor,
                         data_samples: SampleList) -> Tensor:
        """Source images translated by the generator's EMA copy, (N, 3, H,
        W) RGB in [0, 1] (the output clamped to [-1, 1] first), with G's
        fixed noise (deterministic)."""
        fake = self.network(GENERATOR_EMA)(self.to_tanh_range(inputs))
        return self.to_unit_rgb(fake.clamp(-1, 1), tanh=True)

    def loss_weights(self, iteration: int) -> Tuple[float, float]:
        """(lambda_pl, lambda_cgan) at ``iteration``."""
        class_weight = self.adversarial_loss(DISCRIMINATOR).class_weight
        if self.pseudo_labels == 'precomputed':
            return self.pseudo_label_weight, class_weight
        start, end = self.online_ramp
        return (linear_ramp(iteration, start, end, self.pseudo_label_weight),
                linear_ramp(iteration, start, end, class_weight))

    @staticmethod
    def identity_loss(output: Tensor, image: Tensor) -> Tensor:
        """Eq. (8) divided by HW: the L1 norm over the channels of
        G(x_t) - x_t, averaged over pixels (and images)."""
        return (output - image).abs().sum(dim=1).mean()

    # ------------------------------------------------------------------
    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        data = self.data_preprocessor(data, True)
        source, target = data['source'], data['target']
        iteration = current_iteration(self._steps)
        self._steps += 1
        lambda_pl, lambda_cgan = self.loss_weights(iteration)
        gen_optim = self.optimizer_of(optim_wrapper, GENERATOR)
        disc_optim = self.optimizer_of(optim_wrapper, DISCRIMINATOR)
        gen = self.network(GENERATOR)
        disc = self.network(DISCRIMINATOR)
        gan_loss = self.adversarial_loss(DISCRIMINATOR)

        x_s = self.to_tanh_range(source['inputs'])
        x_t = self.to_tanh_range(target['inputs'])
        y_s = stack_labels(source['data_samples'], 'source')
        y_t = stack_labels(target['data_samples'], 'target') \
            if self.pseudo_labels == 'precomputed' else None
        noise = step_generator(self.seed, iteration, device=x_s.device)

        # 1. Generator, Eq. (9); D frozen, its gradient passes through it.
        with frozen(disc):
            with gen_optim.optim_context(gen):
                fake = gen(x_s, noise_generator=noise)
                identity = gen(x_t, noise_generator=noise)
                d_fake = self.network(DISCRIMINATOR, wrapped=False)(fake)
                losses = dict(
                    loss_gan=gan_loss(
                        d_fake,
                        'target',
                        is_disc=False,
                        labels=y_s,
                        class_weight=lambda_cgan),
                    loss_id=self.identity_weight *
                    self.identity_loss(identity, x_t))
                if self.generator_seg_loss:
                    losses['loss_seg'] = self.seg_loss(d_fake['seg'], y_s)
            log_vars = self.backward(gen_optim, losses, prefix='gen.')

        # 2. Discriminator, Eq. (7): translated source ("fake") ...
        with disc_optim.optim_context(disc):
            d_fake = disc(fake.detach())
            losses = dict(
                loss_gan_fake=gan_loss(
                    d_fake,
                    'source',
                    is_disc=True,
                    labels=y_s,
                    class_weight=lambda_cgan),
                loss_seg_fake=self.seg_loss(d_fake['seg'], y_s))
        log_vars.update(self.backward(disc_optim, losses, prefix='disc.'))
        # ... and target ("real") with its pseudo-labels.
        with disc_optim.optim_context(disc):
            d_real = disc(x_t)
            if y_t is None:  # online: the AC head's own prediction
                y_t = self.online_pseudo_labels(d_real['seg'],
                                                target['data_samples'])
            losses = dict(
                loss_gan_real=gan_loss(
                    d_real,
                    'target',
                    is_disc=True,
                    labels=y_t,
                    class_weight=lambda_cgan))
            if lambda_pl > 0:
                losses['loss_seg_real'] = lambda_pl * self.pseudo_seg_loss(
                    d_real['seg'], y_t)
        log_vars.update(self.backward(disc_optim, losses, prefix='disc.'))

        # 3. Update both networks.
        self.step(gen_optim, disc_optim)
        log_vars.update(
            lambda_pl=torch.tensor(lambda_pl),
            lambda_cgan=torch.tensor(lambda_cgan))
        self.record_visualization(
            source_image=(x_s, 'tanh'),
            translated_image=(fake, 'tanh'),
            ac_head_pred=(d_fake['seg'], 'logits'),
            target_image=(x_t, 'tanh'),
            identity_image=(identity, 'tanh'),
            target_pseudo_labels=(y_t, 'labels'))
        return log_vars

    @staticmethod
    def online_pseudo_labels(logits: Tensor,
                             data_samples: SampleList) -> Tensor:
        """The AC head's argmax on target images; 255 outside each image's
        unpadded area."""
        labels = logits.detach().argmax(dim=1)
        for i, sample in enumerate(data_samples):
            h, w = sample.img_shape[:2]
            labels[i, h:] = 255
            labels[i, :, w:] = 255
        return labels

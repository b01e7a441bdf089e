"""Toldo et al.: CycleGAN, semantic consistency and feature-level
discriminators around a segmentor, trained end to end."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmseg.utils import SampleList
from torch import Tensor

from udaplug.registry import MODELS
from ..uda import BaseUDASegmentor, frozen
from ..uda.base_uda import check_networks
from ..utils import ImageHistoryBuffer, RNGStream

GEN_ST, GEN_TS = 'gen_st', 'gen_ts'
DISC_IMG_S, DISC_IMG_T = 'disc_img_s', 'disc_img_t'
DISC_FEAT_S, DISC_FEAT_T = 'disc_feat_s', 'disc_feat_t'
# Input size of the forward pass that measures the encoder's output
# channels at build time.
_PROBE_SIZE = 64


@MODELS.register_module()
class CycleFeat(BaseUDASegmentor):
    """Toldo, Michieli, Agresti and Zanuttigh, "Unsupervised Domain
    Adaptation for Mobile Semantic Segmentation based on Cycle Consistency
    and Feature Alignment", Image and Vision Computing 2020.

    Seven networks, each a child module with its own optimizer (the two
    generators share one, see the configs):

    - ``segmentor`` M = [M_e, M_d] (DeepLab-v3+ on MobileNet-v2 in the
      paper), source-pretrained in an earlier stage;
    - ``gen_st`` G_S->T and ``gen_ts`` G_T->S: CycleGAN generators
      (``ResnetTransformGenerator``) working in [-1, 1];
    - ``disc_img_t`` D_T and ``disc_img_s`` D_S: image discriminators, real
      target / source images against translated ones from a history of 50
      (:class:`ImageHistoryBuffer`);
    - ``disc_feat_t`` D'_T and ``disc_feat_s`` D'_S: feature discriminators
      on the encoder output M_e (the segmentor's last backbone feature map,
      before ASPP): M_e(x_T) against M_e(G_S->T(x_S)), M_e(x_S) against
      M_e(G_T->S(x_T)) (Eq. 6-7); not needed with ``feat_loss_weight=0``.

    Each discriminator has its own adversarial loss (``gan_loss`` of its
    config): the official code's least-squares GAN with "real" label 0.9
    and "fake" 0, i.e. for D_T and D'_T ``target_label=0.9,
    source_label=0``, for D_S and D'_S the reverse.

    One training step minimises Eq. (8),

        L = (L_i,S + L_i,T) + lambda_feat (L_f,S + L_f,T)
            + lambda_cycle L_cycle + lambda_sem L_sem + lambda_ce L_ce^s,

    over the generators and the segmentor, and the discriminators' terms
    over the discriminators (Eq. 9), all from the same forward pass (the
    official code updates all networks from one graph):

    1. generators: LSGAN image losses (translations mistaken for the other
       domain), L1 cycle losses ``cycle_loss_weight`` x |G_T->S(G_S->T(x_S))
       - x_S| and the reverse (Eq. 3), L_sem (Eq. 4) through the segmentor
       and, once the features are aligned, the feature adversarial losses
       (Eq. 6-7) through the encoder;
    2. segmentor (from iteration ``segmentor_frozen_iters``; frozen before,
       while the generators learn to translate, Sec. 4): L_sem, the feature
       adversarial losses and the cross-entropy on translated source images
       with the source labels (L_ce^s, the decode head's loss, lambda_ce =
       its ``loss_weight``). As in the official code the cross-entropy does
       not reach the generator (``ce_to_generator=True`` lets it, as the
       min over G_S->T of Eq. 9 reads);
    3. discriminators on detached inputs: the image ones always, the feature
       ones from ``feature_alignment_start`` (the official
       ``start_feat_step``, equal to the frozen period);
    4. every network steps.

    L_sem compares M(G(x)) with the argmax of M(x) computed without
    gradient (:class:`SemanticConsistencyLoss`). The model's random draws
    (dropout, the history buffers' choices) come from its own
    :class:`RNGStream`, saved with the weights, so that a resumed run
    continues exactly.

    Only the segmentor predicts (val/test). ``translate_source`` gives
    G_S->T's translations (``tools/translate.py``).

    Args:
        segmentor (dict): The segmentation network.
        generators (dict): ``gen_st`` and ``gen_ts``.
        discriminators (dict): ``disc_img_s``, ``disc_img_t`` and, with
            ``feat_loss_weight > 0``, ``disc_feat_s``, ``disc_feat_t``.
        img_loss_weight (float): Weight of the generators' image adversarial
            losses. Defaults to 1 (Eq. 8).
        cycle_loss_weight (float): lambda_cycle per direction. Defaults to
            10 (official ``--lambda_cycle_G 10 --lambda_cycle_F 10``; the
            paper writes 20).
        sem_loss (dict, optional): ``SemanticConsistencyLoss`` config with
            lambda_sem as ``loss_weight`` (0.1); None or weight 0 turns L_sem
            off (Table 3 ablations).
        feat_loss_weight (float): lambda_feat, on the generators' and the
            encoder's feature adversarial losses. Defaults to 1e-4. 0 turns
            feature alignment off (Table 3 ablations).
        feat_disc_loss_weight (float, optional): Factor of the feature
            discriminators' own loss. Defaults to ``feat_loss_weight``, as
            the official code (``D_feat_*_loss = lambda_feat *
            discriminator_loss``; with Adam this lowers the discriminators'
            effective step where gradients approach Adam's epsilon).
        segmentor_frozen_iters (int): Iterations at the start during which
            the segmentor is not trained. Defaults to 20000 (Sec. 4).
        feature_alignment_start (int, optional): First iteration of the
            feature discriminators and losses. Defaults to
            ``segmentor_frozen_iters`` (official ``start_feat_step``).
        ce_to_generator (bool): Whether L_ce^s back-propagates into
            G_S->T. Defaults to False (official code).
        image_buffer (dict): :class:`ImageHistoryBuffer` arguments of the
            two image histories. Defaults to 50 images.
        feature_index (int): Which backbone output is M_e. Defaults to -1.
        **kwargs: :class:`BaseUDASegmentor` arguments (``data_preprocessor``,
            ``gan_loss``, ``init_cfg``...).
    """

    def __init__(self,
                 segmentor: dict,
                 generators: dict,
                 discriminators: dict,
                 img_loss_weight: float = 1.0,
                 cycle_loss_weight: float = 10.0,
                 sem_loss: Optional[dict] = dict(
                     type='SemanticConsistencyLoss', loss_weight=0.1),
                 feat_loss_weight: float = 1e-4,
                 feat_disc_loss_weight: Optional[float] = None,
                 segmentor_frozen_iters: int = 20000,
                 feature_alignment_start: Optional[int] = None,
                 ce_to_generator: bool = False,
                 image_buffer: dict = dict(buffer_size=50),
                 feature_index: int = -1,
                 **kwargs):
        super().__init__(
            segmentor=segmentor,
            generators=generators,
            discriminators=discriminators,
            **kwargs)
        for name, value in (('img_loss_weight', img_loss_weight),
                            ('cycle_loss_weight', cycle_loss_weight),
                            ('feat_loss_weight',
                             feat_loss_weight), ('segmentor_frozen_iters',
                                                 segmentor_frozen_iters)):
            if not value >= 0:  # NaN too
                raise ValueError(f'CycleFeat: {name} must be >= 0, got '
                                 f'{value}')
        self.img_loss_weight = img_loss_weight
        self.cycle_loss_weight = cycle_loss_weight
        self.feat_loss_weight = feat_loss_weight
        self.feat_disc_loss_weight = feat_loss_weight \
            if feat_disc_loss_weight is None else feat_disc_loss_weight
        self.segmentor_frozen_iters = segmentor_frozen_iters
        self.feature_alignment_start = segmentor_frozen_iters \
            if feature_alignment_start is None else feature_alignment_start
        self.ce_to_generator = ce_to_generator
        self.feature_index = feature_index
        self.sem_loss = MODELS.build(sem_loss) if sem_loss else None
        if self.sem_loss is not None and self.sem_loss.loss_weight == 0:
            self.sem_loss = None
        self.buffer_s = ImageHistoryBuffer(**image_buffer)
        self.buffer_t = ImageHistoryBuffer(**image_buffer)
        self.rng = RNGStream()
        self._check_networks()

    @property
    def align_features(self) -> bool:
        """Whether the model has feature-level adaptation."""
        return self.feat_loss_weight > 0

    def _check_networks(self) -> None:
        check_networks(self, 'generator', [GEN_ST, GEN_TS], 'as a CycleGAN,')
        discs = [DISC_IMG_S, DISC_IMG_T]
        if self.align_features:
            discs += [DISC_FEAT_S, DISC_FEAT_T]
        check_networks(
            self, 'discriminator', discs,
            f'with feat_loss_weight={self.feat_loss_weight} (0: no feature '
            'discriminators),')
        for name in (GEN_ST, GEN_TS):
            self.check_in_channels(name, 3, 'an image')
            gen = self.network(name, wrapped=False)
            out = getattr(gen, 'out_channels', 3)
            if out != 3:
                raise ValueError(f'CycleFeat: {name} outputs {out} channels; '
                                 'a translator outputs images: set '
                                 'out_channels=3')
        for name in (DISC_IMG_S, DISC_IMG_T):
            self.check_in_channels(name, 3, 'an image')
        if self.align_features:
            channels = self.encoder_channels()
            what = ('the encoder output M_e(x) (segmentor backbone output '
                    f'{self.feature_index})')
            for name in (DISC_FEAT_S, DISC_FEAT_T):
                self.check_in_channels(name, channels, what)

    @torch.no_grad()
    def encoder_channels(self) -> int:
        """Channels of M_e(x), from a forward pass of the segmentor's
        feature extractor on a small image (in eval mode, so that no
        statistics change)."""
        seg = self.seg_model
        was_training = seg.training
        seg.eval()
        try:
            feats = seg.extract_feat(
                torch.zeros(1, 3, _PROBE_SIZE, _PROBE_SIZE))
        finally:
            seg.train(was_training)
        return feats[self.feature_index].shape[1]

    # ------------------------------------------------------------------
    # Interfaces
    @property
    def can_translate_source(self) -> bool:
        return True

    def translate_source(self, inputs: Tensor,
                         data_samples: SampleList) -> Tensor:
        """G_S->T's translations of preprocessed source ``inputs`` as
        (N, 3, H, W) RGB in [0, 1]."""
        fake = self.translate(
            GEN_ST, self.to_tanh_range(inputs), wrapped=False)
        return self.to_unit_rgb(fake, tanh=True)

    # ------------------------------------------------------------------
    # Training
    @staticmethod
    def current_iter() -> int:
        """The runner's iteration (0 before the first, or without runner)."""
        it = MessageHub.get_current_instance().get_info('iter')
        return 0 if it is None else int(it)

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        data = self.data_preprocessor(data, True)
        source, target = data['source'], data['target']
        it = self.current_iter()
        adapt_segmentor = it >= self.segmentor_frozen_iters
        align = self.align_features and it >= self.feature_alignment_start
        seg_optim = self.optimizer_of(optim_wrapper, 'segmentor')
        gen_optim = self.optimizer_of(optim_wrapper, GEN_ST)
        if self.optimizer_of(optim_wrapper, GEN_TS) is not gen_optim:
            # one loss (the cycle terms) spans both generators: one
            # backward, one loss scale
            raise ValueError(
                'CycleFeat: gen_st and gen_ts must share one optimizer; '
                "group them: optim_wrapper=dict(generators=dict(networks="
                "['gen_st', 'gen_ts']), ...)")
        disc_names = [DISC_IMG_S, DISC_IMG_T]
        if align:
            disc_names += [DISC_FEAT_S, DISC_FEAT_T]
        disc_optims = {
            name: self.optimizer_of(optim_wrapper, name)
            for name in disc_names
        }
        with self.rng.fork(source['inputs'].device):
            log_vars, cache = self.generator_step(source, target, seg_optim,
                                                  gen_optim, adapt_segmentor,
                                                  align)
            log_vars.update(self.discriminator_step(cache, disc_optims))
        optims = [gen_optim]
        if adapt_segmentor:
            optims.append(seg_optim)
        self.step(*optims, *disc_optims.values())
        return log_vars

    def generator_step(self, source: dict, target: dict,
                       seg_optim: OptimWrapper, gen_optim: OptimWrapper,
                       adapt_segmentor: bool, align: bool) -> tuple:
        """Back-propagate the generators' and the segmentor's terms of
        Eq. (8) with the discriminators frozen. Returns the log variables
        and what the discriminator step needs."""
        x_s = self.to_tanh_range(source['inputs'])
        x_t = self.to_tanh_range(target['inputs'])
        # M(x_S), M(x_T) without gradient: the argmax labels of L_sem and
        # the real features of the feature discriminators
        ref_s = ref_t = None
        if self.sem_loss is not None or align:
            with torch.no_grad():
                ref_s = self.outputs_of(
                    'segmentor',
                    source['inputs'],
                    features=align,
                    wrapped=False)
                ref_t = self.outputs_of(
                    'segmentor',
                    target['inputs'],
                    features=align,
                    wrapped=False)
        discs = [self.network(n) for n in self.discriminator_names]
        log_vars, cache = {}, dict(x_s=x_s, x_t=x_t)
        with frozen(*discs), gen_optim.optim_context(self.network(GEN_ST)):
            fake_t = self.translate(GEN_ST, x_s)  # G_S->T(x_S)
            fake_s = self.translate(GEN_TS, x_t)  # G_T->S(x_T)
            rec_s = self.translate(GEN_TS, fake_t)
            rec_t = self.translate(GEN_ST, fake_s)
            gen_losses = {
                # Eq. (1)-(2), generator side: translations mistaken for
                # real images of the other domain
                'loss_adv_img_t':
                self.generator_adversarial_loss(
                    DISC_IMG_T,
                    fake_t,
                    self.img_loss_weight,
                    mistaken_for='target'),
                'loss_adv_img_s':
                self.generator_adversarial_loss(
                    DISC_IMG_S,
                    fake_s,
                    self.img_loss_weight,
                    mistaken_for='source'),
                # Eq. (3)
                'loss_cycle_s':
                self.cycle_loss_weight * F.l1_loss(rec_s, x_s),
                'loss_cycle_t':
                self.cycle_loss_weight * F.l1_loss(rec_t, x_t),
            }
            seg_fake_t = self.from_tanh_range(fake_t)
            seg_fake_s = self.from_tanh_range(fake_s)
            if adapt_segmentor:
                task_vars, surrogate, fake_out = self.segmentor_step(
                    source, seg_fake_t, seg_fake_s, ref_s, ref_t, seg_optim,
                    align)
                log_vars.update(task_vars)
            else:
                fake_out = {}
                if self.sem_loss is not None:
                    # the segmentor is frozen: L_sem reaches the
                    # generators through it, the segmentor stays as is
                    with frozen(self.segmentor):
                        fake_out = dict(
                            t=self.outputs_of(
                                'segmentor', seg_fake_t, wrapped=False),
                            s=self.outputs_of(
                                'segmentor', seg_fake_s, wrapped=False))
                    gen_losses.update(self.sem_losses(fake_out, ref_s, ref_t))
                surrogate = None
            gen_loss, gen_vars = self.parse_losses(gen_losses)
            if surrogate is not None:
                gen_loss = gen_loss + surrogate
            gen_optim.backward(gen_loss)
        gen_vars.pop('loss')
        log_vars.update(gen_vars)
        cache.update(
            fake_t=fake_t.detach(),
            fake_s=fake_s.detach(),
            ref_s=ref_s,
            ref_t=ref_t,
            fake_out=fake_out)
        self.record_visualization(
            source_image=(source['inputs'], 'input'),
            translated_source_image=(fake_t, 'tanh'),
            reconstructed_source_image=(rec_s, 'tanh'),
            target_image=(target['inputs'], 'input'),
            translated_target_image=(fake_s, 'tanh'),
            reconstructed_target_image=(rec_t, 'tanh'),
            target_pred=(ref_t['seg'] if ref_t is not None else None,
                         'logits'))
        return log_vars, cache

    def sem_losses(self, fake_out: dict, ref_s: dict,
                   ref_t: dict) -> Dict[str, Tensor]:
        """Eq. (4): L_ce(M, G_S->T(x_S), rho(M(x_S))) and L_ce(M,
        G_T->S(x_T), rho(M(x_T)))."""
        return {
            'loss_sem_t': self.sem_loss(fake_out['t']['seg'], ref_s['seg']),
            'loss_sem_s': self.sem_loss(fake_out['s']['seg'], ref_t['seg']),
        }

    def feature_adversarial_losses(self, fake_out: dict) -> Dict[str, Tensor]:
        """Eq. (6)-(7), generator/encoder side: M_e(G_S->T(x_S)) mistaken
        for target features, M_e(G_T->S(x_T)) for source features."""
        i = self.feature_index
        return {
            'loss_adv_feat_t':
            self.generator_adversarial_loss(
                DISC_FEAT_T,
                fake_out['t']['features'][i],
                self.feat_loss_weight,
                mistaken_for='target'),
            'loss_adv_feat_s':
            self.generator_adversarial_loss(
                DISC_FEAT_S,
                fake_out['s']['features'][i],
                self.feat_loss_weight,
                mistaken_for='source'),
        }

    def segmentor_step(self, source: dict, seg_fake_t: Tensor,
                       seg_fake_s: Tensor, ref_s: Optional[dict],
                       ref_t: Optional[dict], seg_optim: OptimWrapper,
                       align: bool) -> Tuple[dict, Tensor, dict]:
        """The segmentor's terms on the translated images, back-propagated
        into the segmentor; returns their log variables, the surrogate loss
        that hands their gradient w.r.t. the translations to the generators
        (without L_ce^s unless ``ce_to_generator``), and the outputs."""
        task_t = self.task_input(seg_fake_t)
        task_s = self.task_input(seg_fake_s)
        with seg_optim.optim_context(self.segmentor):
            fake_out = dict(
                t=self.segmentor_outputs(task_t, features=align),
                s=self.segmentor_outputs(task_s, features=align))
            shared = {}
            if self.sem_loss is not None:
                shared.update(self.sem_losses(fake_out, ref_s, ref_t))
            if align:
                shared.update(self.feature_adversarial_losses(fake_out))
            # L_ce^s: the translated source images with the source labels
            ce = self.supervised_losses(fake_out['t'], source['data_samples'])
        to_generator = dict(shared, **ce) if self.ce_to_generator else shared
        surrogate = None
        if to_generator:
            # the gradient of the generator-side terms w.r.t. the
            # translations, at the segmentor optimizer's loss scale
            loss, _ = self.parse_losses(to_generator)
            scale = self.loss_scale(seg_optim)
            grads = torch.autograd.grad(
                loss * scale, [task_t, task_s], retain_graph=True)
            surrogate = sum(
                (fake * (grad / scale).to(fake.dtype)).sum()
                for fake, grad in zip((seg_fake_t, seg_fake_s), grads))
        log_vars = self.backward(seg_optim, dict(shared, **ce))
        return log_vars, surrogate, fake_out

    def discriminator_step(self, cache: dict,
                           disc_optims: Dict[str, OptimWrapper]) -> dict:
        """Back-propagate the discriminators' losses on detached inputs:
        real images of a domain against translations into it from the
        history buffers (Eq. 1-2), and, when aligning features, real
        features M_e(x) against those of the translations (Eq. 6-7)."""
        log_vars = {}
        fake_t = self.buffer_t.query(cache['fake_t'])
        fake_s = self.buffer_s.query(cache['fake_s'])
        # D_T: target images ("real") vs translated source images
        log_vars.update(
            self.train_patch_discriminator(DISC_IMG_T, disc_optims[DISC_IMG_T],
                                           fake_t, cache['x_t'], 1.0))
        # D_S: source images ("real") vs translated target images
        log_vars.update(
            self.train_patch_discriminator(DISC_IMG_S, disc_optims[DISC_IMG_S],
                                           cache['x_s'], fake_s, 1.0))
        if DISC_FEAT_T in disc_optims:
            i = self.feature_index
            fake_out = cache['fake_out']
            log_vars.update(
                self.train_patch_discriminator(DISC_FEAT_T,
                                               disc_optims[DISC_FEAT_T],
                                               fake_out['t']['features'][i],
                                               cache['ref_t']['features'][i],
                                               self.feat_disc_loss_weight))
            log_vars.update(
                self.train_patch_discriminator(DISC_FEAT_S,
                                               disc_optims[DISC_FEAT_S],
                                               cache['ref_s']['features'][i],
                                               fake_out['s']['features'][i],
                                               self.feat_disc_loss_weight))
        return log_vars

    def train_patch_discriminator(self, name: str, optim: OptimWrapper,
                                  source: Tensor, target: Tensor,
                                  weight: float) -> Dict[str, Tensor]:
        """``weight`` x the mean of discriminator ``name``'s losses on
        ``source`` inputs (labelled source) and ``target`` inputs (labelled
        target), detached, in one backward (the official
        ``discriminator_loss``: (error_real + error_fake) / 2)."""
        disc = self.network(name)
        loss_fn = self.adversarial_loss(name)
        with optim.optim_context(disc):
            # named with the network, so that a NaN stops training naming
            # the discriminator
            losses = {
                f'{name}.loss_{domain}':
                weight * 0.5 * loss_fn(disc(x.detach()), domain, is_disc=True)
                for domain, x in (('source', source), ('target', target))
            }
        return self.backward(optim, losses)

from typing import Dict, Optional

import numpy as np
import torch
from mmengine.dist import get_rank, sync_random_seed
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapperDict
from mmseg.models.segmentors import BaseSegmentor
from torch import Tensor, nn

from udaplug.models.uda import BaseUDASegmentor
from udaplug.models.uda.pseudo_labels import confidence_fraction_weight
from udaplug.registry import MODELS


def _is_dropout(module: nn.Module) -> bool:
    return isinstance(module, nn.modules.dropout._DropoutNd) or \
        type(module).__name__ == 'DropPath'


@MODELS.register_module()
class DACS(BaseUDASegmentor):
    """Self-training with cross-domain mixed sampling: DACS (Tranheden et
    al., "DACS: Domain Adaptation via Cross-domain Mixed Sampling", WACV
    2021), with the additions of DAFormer (Hoyer et al., CVPR 2022) set by
    config.

    One iteration (official ``trainUDA.py`` of vikolss/DACS; DAFormer's
    ``mmseg/models/uda/dacs.py``):

    1. the segmentor (student) is trained on the labelled source batch
       (its supervised losses) plus, with ``feature_distance``, DAFormer's
       thing-class ImageNet feature distance between the student's encoder
       features of the source images and those of a frozen copy of the
       ImageNet encoder (the network ``feature_distance_network``, role
       ``'frozen'``);
    2. the mean teacher (``teacher``: the EMA of the segmentor, updated by
       :class:`~udaplug.engine.hooks.MeanTeacherHook`) predicts the target
       batch; the pseudo-labels are the arg-max of its softmax (upsampled
       to the input size), all weighted by the fraction of pixels whose
       maximum probability reaches ``pseudo_threshold`` (0.968;
       :func:`~udaplug.models.uda.pseudo_labels.confidence_fraction_weight`,
       over the batch as the official codes, or per image), with the
       ``pseudo_weight_ignore_top`` / ``_bottom`` rows at weight 0
       (DAFormer's pseudo-label crop);
    3. ClassMix (``mix``): source pixels of half of the classes of each
       source label are pasted onto the target image of the same batch
       index; labels (source label / pseudo-label) and pixel weights (1 /
       the pseudo-label weight) are mixed with the same masks; the mixed
       images then get ``color_jitter`` and ``blur`` (the "strong"
       augmentation of both codes);
    4. the student is trained on the mixed batch: its supervised losses
       against the mixed labels, each pixel weighted by the mixed weight,
       times ``mix_loss_weight``;
    5. the optimizer steps; :class:`MeanTeacherHook` then updates the
       teacher.

    Random draws (class choice, jitter, blur) come from a generator seeded
    by (seed, iteration, rank): different on every process, reproducible,
    and a resumed run draws what the uninterrupted one drew.

    Args:
        segmentor (dict): The segmentation network (student).
        networks (dict): Must hold the teacher, ``dict(role='ema',
            ema_of='segmentor')`` (``train_mode=True`` for the official
            behaviour: BatchNorm on batch statistics), and the frozen
            encoder of the feature distance if used.
        mix (dict): :class:`~udaplug.models.ClassMix` config.
        color_jitter (dict, optional): :class:`BatchColorJitter` config.
        blur (dict, optional): :class:`BatchGaussianBlur` config.
        pseudo_threshold (float): Confidence threshold of the weight.
        pseudo_weight_per_image (bool): The confidence fraction per image
            (the DAFormer paper's formula) instead of over the batch (both
            official codes). Defaults to False.
        pseudo_weight_ignore_top (int): Rows at the top with weight 0.
        pseudo_weight_ignore_bottom (int): Rows at the bottom with weight 0.
        mix_loss_weight (float): Weight of the mixed loss (DACS's
            ``consistency_weight``, 1).
        teacher (str): Name of the teacher network. Defaults to 'teacher'.
        teacher_dropout (bool): Keep dropout / stochastic depth of a teacher
            in training mode active; False (default) switches them off, as
            DAFormer's code does before predicting pseudo-labels.
        feature_distance (dict, optional):
            :class:`~udaplug.models.losses.ImageNetFeatureDistanceLoss`
            config (DAFormer's FD); None disables it (DACS).
        feature_distance_network (str, optional): The frozen network whose
            features are the reference: an encoder (called on the images) or
            a segmentor (an mmseg ``BaseSegmentor``: its ``extract_feat``).
        seed (int, optional): Seed of the random draws; by default one drawn
            from the global random state (seeded by ``randomness.seed``) and
            synchronised across processes.
        **kwargs: :class:`BaseUDASegmentor` arguments (``predict_on``,
            ``data_preprocessor``, ``init_cfg``).
    """

    def __init__(self,
                 segmentor: dict,
                 networks: Dict[str, dict],
                 mix: dict = dict(type='ClassMix'),
                 color_jitter: Optional[dict] = dict(type='BatchColorJitter'),
                 blur: Optional[dict] = dict(type='BatchGaussianBlur'),
                 pseudo_threshold: float = 0.968,
                 pseudo_weight_per_image: bool = False,
                 pseudo_weight_ignore_top: int = 0,
                 pseudo_weight_ignore_bottom: int = 0,
                 mix_loss_weight: float = 1.0,
                 teacher: str = 'teacher',
                 teacher_dropout: bool = False,
                 feature_distance: Optional[dict] = None,
                 feature_distance_network: Optional[str] = None,
                 seed: Optional[int] = None,
                 **kwargs) -> None:
        super().__init__(segmentor, networks=networks, **kwargs)
        name = type(self).__name__
        pairs = dict(self.ema_pairs())
        if pairs.get(teacher) != 'segmentor':
            raise ValueError(
                f'{name}: the mean teacher "{teacher}" must be the EMA of the '
                f'segmentor: networks=dict({teacher}=dict(role=\'ema\', '
                "ema_of='segmentor', train_mode=True)) (EMA networks of the "
                f'model: {pairs})')
        self.teacher_name = teacher
        self.teacher_dropout = bool(teacher_dropout)
        if not 0.0 <= pseudo_threshold <= 1.0:
            raise ValueError(f'{name}: pseudo_threshold must be in [0, 1], '
                             f'got {pseudo_threshold}')
        self.pseudo_threshold = float(pseudo_threshold)
        self.pseudo_weight_per_image = bool(pseudo_weight_per_image)
        self.pseudo_weight_ignore_top = int(pseudo_weight_ignore_top)
        self.pseudo_weight_ignore_bottom = int(pseudo_weight_ignore_bottom)
        self.mix_loss_weight = float(mix_loss_weight)
        self.mix = MODELS.build(mix)
        self.color_jitter = MODELS.build(color_jitter) \
            if color_jitter else None
        self.blur = MODELS.build(blur) if blur else None
        self.feature_distance = None
        self.feature_distance_network = None
        if feature_distance is not None:
            if feature_distance_network is None or \
                    feature_distance_network not in self.network_names() or \
                    self.role_of(feature_distance_network) != 'frozen':
                raise ValueError(
                    f'{name}: feature_distance needs the frozen ImageNet '
                    'encoder it compares with: feature_distance_network='
                    '<name> of a network with role="frozen", e.g. '
                    "networks=dict(imnet_encoder=dict(<encoder config>, "
                    "role='frozen', init_cfg=dict(type='Pretrained', "
                    f"checkpoint=...))); got {feature_distance_network!r} "
                    f'(networks: {self.network_names()})')
            self.feature_distance = MODELS.build(feature_distance)
            fd_classes = getattr(self.feature_distance, 'num_classes', None)
            if fd_classes is not None and fd_classes != self.num_classes:
                raise ValueError(
                    f'{name}: feature_distance.num_classes={fd_classes} but '
                    f'the segmentor has {self.num_classes} classes')
            self.feature_distance_network = feature_distance_network
        self.seed = int(seed) if seed is not None else sync_random_seed()
        self._local_iter = 0

    # ------------------------------------------------------------------
    def train(self, mode: bool = True) -> 'DACS':
        super().train(mode)
        if not self.teacher_dropout:
            for module in self.network(self.teacher_name).modules():
                if _is_dropout(module):
                    module.eval()
        return self

    def _iteration(self) -> int:
        it = MessageHub.get_current_instance().get_info('iter')
        return int(it) if it is not None else self._local_iter

    def _generator(self, iteration: int) -> torch.Generator:
        """The random source of one iteration on this process."""
        state = np.random.SeedSequence([self.seed, iteration,
                                        get_rank()]).generate_state(2)
        return torch.Generator().manual_seed(
            int(state[0]) << 32 | int(state[1]))

    def _feature_distance(self, inputs: Tensor, features, labels: Tensor,
                          iteration: int) -> Tensor:
        net = self.network(self.feature_distance_network)
        with torch.no_grad():
            frozen = net.extract_feat(inputs) if isinstance(
                net, BaseSegmentor) else net(inputs)
        return self.feature_distance(features, frozen, labels, iteration)

    @torch.no_grad()
    def pseudo_labels(self, inputs: Tensor):
        """The teacher's pseudo-labels (N, H, W), their pixel weights
        (N, H, W) and softmax probabilities for target ``inputs``."""
        logits = self.outputs_of(self.teacher_name, inputs)['seg']
        logits = self.seg_model.resize_to_input(logits, inputs.shape[2:])
        probs = torch.softmax(logits.float(), dim=1)
        labels = probs.argmax(dim=1)
        weight = confidence_fraction_weight(
            probs,
            self.pseudo_threshold,
            per_image=self.pseudo_weight_per_image,
            ignore_top=self.pseudo_weight_ignore_top,
            ignore_bottom=self.pseudo_weight_ignore_bottom)
        return labels, weight, probs

    def strong_augment(self, images: Tensor,
                       generator: torch.Generator) -> Tensor:
        """Colour jitter and blur of (mixed) preprocessed images."""
        if self.color_jitter is not None:
            pre = self.data_preprocessor
            mean = getattr(pre, 'mean', None)
            std = getattr(pre, 'std', None)
            if getattr(pre, '_enable_normalize', True) and mean is not None:
                images = self.color_jitter(
                    images,
                    mean.flatten().tolist(),
                    std.flatten().tolist(),
                    generator=generator)
            else:
                images = self.color_jitter(
                    images / 255.0, generator=generator) * 255.0
        if self.blur is not None:
            images = self.blur(images, generator=generator)
        return images

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        data = self.data_preprocessor(data, True)
        source, target = data['source'], data['target']
        src_x, tgt_x = source['inputs'], target['inputs']
        if src_x.shape != tgt_x.shape:
            raise ValueError(
                f'{type(self).__name__}: ClassMix pastes source pixels onto '
                'target images of the same size, but the source batch is '
                f'{tuple(src_x.shape)} and the target batch '
                f'{tuple(tgt_x.shape)}; crop both domains to the same size '
                '(e.g. RandomCrop) and use the same batch size')
        src_samples = source['data_samples']
        src_labels = torch.stack([s.gt_sem_seg.data[0]
                                  for s in src_samples]).long()
        seg_optim = self.optimizer_of(optim_wrapper, 'segmentor')
        iteration = self._iteration()
        gen = self._generator(iteration)
        log_vars = {}

        # 1. Source: supervised loss (+ ImageNet feature distance).
        with seg_optim.optim_context(self.segmentor):
            src_out = self.segmentor_outputs(
                src_x, features=self.feature_distance is not None)
            losses = self.supervised_losses(src_out, src_samples)
            if self.feature_distance is not None:
                losses['src.loss_imnet_feat_dist'] = self._feature_distance(
                    src_x, src_out['features'], src_labels, iteration)
        log_vars.update(self.backward(seg_optim, losses))

        # 2. Pseudo-labels of the mean teacher.
        with seg_optim.optim_context(self.segmentor):
            pseudo, weight, _ = self.pseudo_labels(tgt_x)

        # 3. ClassMix of labels, weights and images; strong augmentation.
        masks = self.mix.masks(src_labels, gen).to(src_x.device)
        mixed_x = self.strong_augment(self.mix.mix(masks, src_x, tgt_x), gen)
        mixed_labels = self.mix.mix(masks, src_labels, pseudo)
        mixed_weight = self.mix.mix(masks, torch.ones_like(weight), weight)
        mixed_samples = self.with_labels(target['data_samples'], mixed_labels)

        # 4. Mixed batch with pixel-weighted pseudo-labels.
        with seg_optim.optim_context(self.segmentor):
            mix_out = self.segmentor_outputs(mixed_x)
            mix_losses = self.supervised_losses(
                mix_out,
                mixed_samples,
                pixel_weight=mixed_weight,
                prefix='mix.')
            mix_losses = {
                k: v * self.mix_loss_weight if 'loss' in k else v
                for k, v in mix_losses.items()
            }
        log_vars.update(self.backward(seg_optim, mix_losses))

        # 5. Update.
        self.step(seg_optim)
        self._local_iter = iteration + 1
        log_vars['mix.pseudo_weight'] = weight.mean().detach()
        self.record_visualization(
            source_image=(src_x, 'input'),
            source_label=(src_labels, 'labels'),
            target_image=(tgt_x, 'input'),
            pseudo_label=(pseudo, 'labels'),
            mixed_image=(mixed_x, 'input'),
            mixed_label=(mixed_labels, 'labels'),
            mixed_prediction=(mix_out['seg'], 'logits'))
        return log_vars

from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmseg.utils import SampleList
from torch import Tensor, nn

from udaplug.registry import MODELS
from ..decode_heads.joint_semantic_depth_head import (DEPTH_KEY,
                                                      MissingDepthError,
                                                      missing_depth_message,
                                                      stack_depth,
                                                      valid_region_mask)
from ..uda import BaseUDASegmentor, check_networks, frozen

# Extra inputs of the image transform network (Table 2: gd, +d, +s, +sd).
TRANSFORM_INPUTS = {
    'none': (),
    'depth': ('depth', ),
    'semantics': ('semantics', ),
    'both': ('semantics', 'depth'),
}
# Output-level alignment variants (Table 3: ss, depth, sep, joint) ->
# discriminator name -> what it sees.
OUTPUT_ALIGNMENTS = {
    'joint': {
        'disc_output': 'joint'
    },
    'semantic': {
        'disc_output': 'seg'
    },
    'depth': {
        'disc_output': 'depth'
    },
    'separate': {
        'disc_output_seg': 'seg',
        'disc_output_depth': 'depth'
    },
}
GENERATOR = 'gen_img'
IMAGE_DISCRIMINATOR = 'disc_img'
# Depth values accepted as "normalised to [0, 1]" (float round-off).
_DEPTH_TOLERANCE = 1e-3


def output_channels(net: nn.Module) -> Optional[int]:
    """Output channels of a network's last convolution."""
    last = None
    for module in net.modules():
        if isinstance(module, nn.modules.conv._ConvNd):
            last = module
    return None if last is None else last.out_channels


@MODELS.register_module()
class GIOAda(BaseUDASegmentor):
    """Geometrically guided input-output adaptation: Chen et al., "Learning
    Semantic Segmentation from Synthetic Data: A Geometrically Guided
    Input-Output Adaptation Approach", CVPR 2019.

    Networks (child modules, each with its own entry in ``optim_wrapper``):

    - ``segmentor``: the task network G_task, a shared encoder with a
      semantic and a depth decoder (``JointSemanticDepthHead``);
    - ``gen_img``: the image transform network G_img (input level), a
      CycleGAN generator (``ResnetTransformGenerator``, mmagic's
      ``ResnetGenerator``) with ``in_channels`` = 3 (+ C one-hot semantics)
      (+ 1 depth) and ``out_channels=3``;
    - ``disc_img``: D_img, a PatchGAN on images (3 channels);
    - ``disc_output``: D_output, a PatchGAN on the task outputs (output
      level): C + 1 channels (joint), C (semantic) or 1 (depth); the
      ``'separate'`` variant has ``disc_output_seg`` (C) and
      ``disc_output_depth`` (1) instead.

    One iteration minimises Eq. (5), L_seg + lambda_depth L_depth +
    lambda_input L_input + lambda_output L_output, over G_img and G_task and
    maximises it over the discriminators:

    1. discriminators frozen: G_img translates the source image (with its
       one-hot labels and normalised depth, Sec. 3.2); the task network
       predicts semantics and depth for the translated image; L_seg (Eq. 2)
       + lambda_depth L_depth (Eq. 3) are back-propagated into G_task *and*
       G_img (the task-guided transform); lambda_input times the generator
       side of Eq. (1) (translated images classified as target) trains
       G_img; lambda_output times the generator side of Eq. (4) trains
       G_task: target outputs classified as source, as in the output-space
       adaptation GIO-Ada builds on (Tsai et al., CVPR 2018; the paper's
       min-max form does not say which domain's outputs are pushed, and the
       official code was not available to check);
    2. D_img on detached translated source vs. target images (Eq. 1) and
       D_output on the detached source vs. target outputs (Eq. 4);
    3. every optimizer steps.

    Discriminators see the outputs upsampled to the input size: the softmax
    of the semantic logits and the predicted depth, concatenated for the
    joint space (C + 1 channels, Sec. 3.3).

    Image ranges: the generator and D_img work in tanh range [-1, 1]
    (CycleGAN), the task network on preprocessed images; the conversions of
    :class:`~udaplug.models.uda.ImageSpaceMixin` are differentiable, so the
    task gradient reaches G_img. The one-hot labels ({0, 1}, all zeros at
    ignored pixels) and the depth (normalised to [0, 1] by
    ``LoadDepthFromFile(normalize=True)``; zero at padded pixels) are
    concatenated to the image as they are.

    Mixed precision: the task losses reach G_img through the translated
    image. The task network's backward (with its optimizer's loss scale)
    stops at the translated image; its gradient, unscaled, is passed on to
    G_img together with G_img's adversarial loss under G_img's loss scale
    (:meth:`generator_task_loss`), so each optimizer's loss scaler sees only
    its own gradients.

    The switches ``input_level``, ``output_level``, ``transform_inputs``
    and ``output_alignment`` give the ablations of Tables 1-3.

    Args:
        segmentor (dict): ``MultiOutputEncoderDecoder`` config with a
            depth-predicting head (``JointSemanticDepthHead``).
        generators (dict, optional): ``{'gen_img': cfg}`` when
            ``input_level``.
        discriminators (dict, optional): ``disc_img`` when ``input_level``;
            ``disc_output`` (or ``disc_output_seg`` and ``disc_output_depth``
            for ``'separate'``) when ``output_level``.
        input_level (bool): Input-level adaptation (G_img, D_img).
            Defaults to True.
        output_level (bool): Output-level adaptation (D_output). Defaults to
            True. Both False trains the task network on source images only
            (the "non-adapt" rows).
        transform_inputs (str, optional): What G_img gets beside the image
            (Table 2): ``'none'`` (gd), ``'depth'`` (+d), ``'semantics'``
            (+s) or ``'both'`` (+sd). Only with ``input_level``; defaults to
            ``'both'`` there.
        output_alignment (str, optional): Output space aligned (Table 3):
            ``'semantic'`` (ss), ``'depth'``, ``'separate'`` (sep: two
            discriminators) or ``'joint'``. Only with ``output_level``;
            defaults to ``'joint'`` there.
        input_loss_weight (float): lambda_input. Defaults to 0.1 (Sec. 3.5).
        output_loss_weight (float): lambda_output (each discriminator of
            ``'separate'``). Defaults to 0.001 (Sec. 3.5).
        gan_loss (dict): ``DomainAdversarialLoss`` config shared by the
            discriminators. Defaults to the vanilla (log) loss of Eq. (1)
            and (4).
        **kwargs: ``data_preprocessor``, ``init_cfg``, ``predict_on``, ...
            of :class:`BaseUDASegmentor`.
    """

    def __init__(self,
                 segmentor: dict,
                 generators: Optional[Dict[str, dict]] = None,
                 discriminators: Optional[Dict[str, dict]] = None,
                 input_level: bool = True,
                 output_level: bool = True,
                 transform_inputs: Optional[str] = None,
                 output_alignment: Optional[str] = None,
                 input_loss_weight: float = 0.1,
                 output_loss_weight: float = 0.001,
                 gan_loss: dict = dict(
                     type='DomainAdversarialLoss', gan_type='vanilla'),
                 **kwargs):
        self.input_level = bool(input_level)
        self.output_level = bool(output_level)
        self.transform_inputs = self._check_switch('transform_inputs',
                                                   transform_inputs,
                                                   TRANSFORM_INPUTS,
                                                   self.input_level,
                                                   'input_level', 'both')
        self.output_alignment = self._check_switch('output_alignment',
                                                   output_alignment,
                                                   OUTPUT_ALIGNMENTS,
                                                   self.output_level,
                                                   'output_level', 'joint')
        super().__init__(
            segmentor,
            discriminators=discriminators,
            generators=generators,
            gan_loss=gan_loss,
            **kwargs)
        why = (f'with input_level={self.input_level}, output_level='
               f'{self.output_level}, output_alignment='
               f'{self.output_alignment!r}')
        check_networks(self, 'generator',
                       [GENERATOR] if self.input_level else [], why)
        check_networks(self, 'discriminator',
                       ([IMAGE_DISCRIMINATOR] if self.input_level else []) +
                       (list(OUTPUT_ALIGNMENTS[self.output_alignment])
                        if self.output_level else []), why)
        self.input_loss_weight = float(input_loss_weight)
        self.output_loss_weight = float(output_loss_weight)
        self.output_discriminators = (
            dict(OUTPUT_ALIGNMENTS[self.output_alignment])
            if self.output_level else {})
        self._check_task_network()
        self._check_channels()

    # ------------------------------------------------------------------
    # Build-time checks
    @staticmethod
    def _check_switch(name: str, value: Optional[str], choices: dict,
                      level_on: bool, level: str,
                      default: str) -> Optional[str]:
        if not level_on:
            if value is not None:
                raise ValueError(
                    f'GIOAda: {name}={value!r} needs {level}=True (it has no '
                    f'effect with {level}=False); remove {name} or set '
                    f'{level}=True')
            return None
        value = default if value is None else value
        if value not in choices:
            raise ValueError(f'GIOAda: {name} must be one of '
                             f'{list(choices)}, got {value!r}')
        return value

    def _check_task_network(self) -> None:
        head = self.seg_model.decode_head
        needs_depth = any(
            v in ('joint', 'depth')
            for v in self.output_discriminators.values())
        if needs_depth and 'depth' not in getattr(head, 'output_names', ()):
            raise ValueError(
                f'GIOAda: output_alignment={self.output_alignment!r} aligns '
                'predicted depth, but the decode head '
                f'{type(head).__name__} predicts no depth; use '
                'type="JointSemanticDepthHead"')

    def _check_channels(self) -> None:
        c = self.num_classes
        if self.input_level:
            expected = 3 + c * ('semantics' in self.conditions) + \
                ('depth' in self.conditions)
            parts = ' + '.join(['image (3)'] + [
                f'one-hot semantics ({c})' if k == 'semantics' else 'depth (1)'
                for k in self.conditions
            ])
            self.check_in_channels(
                GENERATOR, expected, f'{parts} (transform_inputs='
                f'{self.transform_inputs!r})')
            out = output_channels(self.network(GENERATOR, wrapped=False))
            if out is not None and out != 3:
                raise ValueError(
                    f'GIOAda: {GENERATOR} outputs {out} channels; the '
                    'translated image needs out_channels=3')
            self.check_in_channels(IMAGE_DISCRIMINATOR, 3, 'an image (3)')
        for name, kind in self.output_discriminators.items():
            expected, what = {
                'joint': (c + 1, f'softmax semantics ({c}) + depth (1)'),
                'seg': (c, f'softmax semantics ({c})'),
                'depth': (1, 'depth (1)'),
            }[kind]
            self.check_in_channels(
                name, expected, f'{what} (output_alignment='
                f'{self.output_alignment!r})')

    @property
    def conditions(self) -> Tuple[str, ...]:
        """Extra inputs of G_img: () / ('depth',) / ('semantics',) /
        ('semantics', 'depth')."""
        return TRANSFORM_INPUTS[self.transform_inputs] \
            if self.input_level else ()

    @property
    def required_source_keys(self) -> Tuple[str, ...]:
        """Data-sample fields every source batch must carry: the label and
        ``gt_depth_map`` (for the depth loss of a depth-predicting head, and
        for G_img's depth input)."""
        head = self.seg_model.decode_head
        if 'depth' in self.conditions or 'depth' in getattr(
                head, 'output_names', ()):
            return ('gt_sem_seg', DEPTH_KEY)
        return ('gt_sem_seg', )

    # ------------------------------------------------------------------
    # Image transform network
    def generator_input(self, inputs: Tensor,
                        data_samples: SampleList) -> Tensor:
        """G_img's input: the image in [-1, 1], then (per
        ``transform_inputs``) the one-hot labels (C channels) and the
        normalised depth (1 channel)."""
        parts = [self.to_tanh_range(inputs)]
        shape = inputs.shape[2:]
        if 'semantics' in self.conditions:
            labels = torch.stack([s.gt_sem_seg.data
                                  for s in data_samples]).long()
            labels = labels.to(inputs.device)[:, 0]
            valid = (labels >= 0) & (labels < self.num_classes)
            onehot = F.one_hot(
                labels.clamp(0, self.num_classes - 1), self.num_classes)
            onehot = onehot.permute(0, 3, 1, 2) * valid[:, None]
            parts.append(onehot.to(inputs.dtype))
        if 'depth' in self.conditions:
            parts.append(self._normalised_depth(data_samples, inputs))
        for part in parts[1:]:
            if part.shape[2:] != shape:
                raise ValueError(
                    f'GIOAda: labels/depth are {tuple(part.shape[2:])} but '
                    f'the images are {tuple(shape)} (first image: '
                    f'{data_samples[0].metainfo.get("img_path")})')
        return torch.cat(parts, dim=1)

    def _normalised_depth(self, data_samples: SampleList,
                          like: Tensor) -> Tensor:
        depth = stack_depth(data_samples, type(self).__name__).to(like)
        valid = valid_region_mask(data_samples, depth.shape[2:], depth.device)
        for i, sample in enumerate(data_samples):
            values = depth[i][valid[i]]
            if values.numel() and not (torch.isfinite(values).all() and
                                       values.min() >= -_DEPTH_TOLERANCE and
                                       values.max() <= 1 + _DEPTH_TOLERANCE):
                path = sample.metainfo.get('depth_map_path',
                                           sample.metainfo.get('img_path'))
                raise ValueError(
                    f'GIOAda: the depth of {path} has values in '
                    f'[{values.min().item():g}, {values.max().item():g}]; '
                    'the image transform network takes depth normalised to '
                    '[0, 1] over the dataset (Sec. 3.2): load it with '
                    'LoadDepthFromFile(normalize=True, depth_range=(min, '
                    'max))')
        return torch.where(valid, depth.clamp(0, 1), torch.zeros_like(depth))

    @property
    def can_translate_source(self) -> bool:
        """Whether :meth:`translate_source` works (input level on)."""
        return self.input_level

    def translate_source(self, inputs: Tensor,
                         data_samples: SampleList) -> Tensor:
        """Translated source images, (N, 3, H, W) RGB in [0, 1], from
        preprocessed source ``inputs`` and their data samples (labels, depth
        as ``transform_inputs`` needs). The interface ``tools/translate.py``
        relies on."""
        if not self.input_level:
            raise RuntimeError('GIOAda: this model has no image transform '
                               'network (input_level=False)')
        fake = self.translate(
            GENERATOR,
            self.generator_input(inputs, data_samples),
            wrapped=False)
        return self.to_unit_rgb(fake, tanh=True)

    # ------------------------------------------------------------------
    # Output-level adaptation
    def output_discriminator_inputs(self, outputs: Dict[str, Tensor],
                                    size) -> Dict[str, Tensor]:
        """What each output discriminator sees, upsampled to ``size``."""
        inputs = {}
        for name, kind in self.output_discriminators.items():
            parts = []
            if kind in ('joint', 'seg'):
                parts.append(
                    F.softmax(
                        self.seg_model.resize_to_input(outputs['seg'], size),
                        dim=1))
            if kind in ('joint', 'depth'):
                parts.append(
                    self.seg_model.resize_to_input(outputs['depth'], size))
            inputs[name] = torch.cat(parts, dim=1)
        return inputs

    # ------------------------------------------------------------------
    # Training
    def check_source_batch(self, data_samples: SampleList) -> None:
        """Fail with the image's name when a source sample lacks
        ``gt_depth_map`` (the depth loss and, with depth conditioning,
        G_img need it)."""
        if DEPTH_KEY not in self.required_source_keys:
            return
        for sample in data_samples:
            if DEPTH_KEY not in sample:
                raise MissingDepthError(
                    missing_depth_message(type(self).__name__, sample))

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        data = self.data_preprocessor(data, True)
        source, target = data['source'], data['target']
        self.check_source_batch(source['data_samples'])
        seg_optim = self.optimizer_of(optim_wrapper, 'segmentor')
        gen_optims = {
            name: self.optimizer_of(optim_wrapper, name)
            for name in self.generator_names
        }
        disc_optims = {
            name: self.optimizer_of(optim_wrapper, name)
            for name in self.discriminator_names
        }
        # 1. G_img and G_task, discriminators frozen.
        log_vars, cache = self.generator_step(source, target, seg_optim,
                                              gen_optims)
        # 2. D_img and D_output on detached inputs.
        log_vars.update(self.discriminator_step(cache, disc_optims))
        # 3. Update every network.
        self.step(seg_optim, *gen_optims.values(), *disc_optims.values())
        src_out = cache['src_out']
        self.record_visualization(
            source_image=(source['inputs'], 'input'),
            translated_image=(cache.get('fake'), 'tanh'),
            depth_pred=(src_out.get('depth'), 'depth'),
            seg_pred=(src_out['seg'], 'logits'))
        return log_vars

    def generator_step(self, source: dict, target: dict,
                       seg_optim: OptimWrapper,
                       gen_optims: Dict[str, OptimWrapper]) -> tuple:
        """Back-propagate Eq. (5) into G_img and G_task with the
        discriminators frozen (step 1). Returns the log variables and what
        the discriminator step needs (``cache``)."""
        discriminators = [self.network(n) for n in self.discriminator_names]
        log_vars, cache = {}, {}
        with frozen(*discriminators):
            if self.input_level:
                gen_optim = gen_optims[GENERATOR]
                with gen_optim.optim_context(self.network(GENERATOR)):
                    fake = self.translate(
                        GENERATOR,
                        self.generator_input(source['inputs'],
                                             source['data_samples']))
                    # generator side of Eq. (1): translated source images
                    # classified as target images
                    gen_losses = {
                        'loss_adv_img':
                        self.generator_adversarial_loss(
                            IMAGE_DISCRIMINATOR,
                            fake,
                            self.input_loss_weight,
                            mistaken_for='target')
                    }
                translated = self.from_tanh_range(fake)
                task_input = self.task_input(translated)
                cache['fake'] = fake
                cache['target_images'] = self.to_tanh_range(target['inputs'])
            else:
                task_input = source['inputs']

            # Eq. (2) + lambda_depth Eq. (3) on the (translated) source.
            with seg_optim.optim_context(self.segmentor):
                src_out = self.segmentor_outputs(task_input)
                losses = self.supervised_losses(src_out,
                                                source['data_samples'])
            log_vars.update(self.backward(seg_optim, losses))
            cache['src_out'] = src_out
            cache['src_size'] = source['inputs'].shape[2:]

            if self.input_level:
                # The task gradient w.r.t. the translated image, unscaled,
                # continues into G_img with G_img's own loss scale.
                gen_loss, gen_vars = self.parse_losses(gen_losses)
                gen_optim.backward(gen_loss + self.generator_task_loss(
                    translated, task_input, seg_optim))
                gen_vars.pop('loss')
                log_vars.update(gen_vars)

            if self.output_level:
                # generator side of Eq. (4): target outputs classified as
                # source outputs (output-space adaptation, Tsai et al.)
                with seg_optim.optim_context(self.segmentor):
                    tgt_out = self.segmentor_outputs(target['inputs'])
                    tgt_disc_in = self.output_discriminator_inputs(
                        tgt_out, target['inputs'].shape[2:])
                    adv_losses = {
                        f'loss_adv_{name[len("disc_"):]}':
                        self.generator_adversarial_loss(
                            name,
                            value,
                            self.output_loss_weight,
                            mistaken_for='source')
                        for name, value in tgt_disc_in.items()
                    }
                log_vars.update(self.backward(seg_optim, adv_losses))
                cache['tgt_disc_in'] = tgt_disc_in
        return log_vars, cache

    def discriminator_step(self, cache: dict,
                           disc_optims: Dict[str, OptimWrapper]) -> dict:
        """Back-propagate the discriminators' losses, Eq. (1) and (4), on
        detached inputs (step 2): nothing reaches G_img or G_task."""
        log_vars = {}
        if self.input_level:
            log_vars.update(
                self.train_discriminator(IMAGE_DISCRIMINATOR,
                                         disc_optims[IMAGE_DISCRIMINATOR],
                                         cache['fake'],
                                         cache['target_images']))
        if self.output_level:
            src_disc_in = self.output_discriminator_inputs(
                {
                    k: v.detach()
                    for k, v in cache['src_out'].items()
                }, cache['src_size'])
            for name in self.output_discriminators:
                log_vars.update(
                    self.train_discriminator(name, disc_optims[name],
                                             src_disc_in[name],
                                             cache['tgt_disc_in'][name]))
        return log_vars

from typing import Dict, Optional

import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapperDict
from torch import Tensor

from udaplug.registry import MODELS
from ..uda import BaseUDASegmentor
from ..utils.ramps import linear_ramp
from ..utils.step_rng import draw_seed, step_generator

TEACHER = 'teacher'
TRANSLATED = 'translated'


def current_iteration(fallback: int) -> int:
    """The runner's iteration (0-based), or ``fallback`` outside a runner."""
    it = MessageHub.get_current_instance().get_info('iter')
    return fallback if it is None else int(it)


@MODELS.register_module()
class SCI2IMeanTeacher(BaseUDASegmentor):
    """Segmentation training of Brehm et al., "Semantically Consistent
    Image-to-Image Translation for Unsupervised Domain Adaptation", ICAART
    2022, Sec. 3.3: a mean teacher (Tarvainen and Valpola, NeurIPS 2017)
    with a supervised source loss and a consistency loss on target images.

    The same model trains the warm-up model M0 (phase a: source images only)
    and the final model M1 (phase c: source images and their translations by
    the I2I model's generator, "a 50/50 split of synthetic and transformed
    data", Sec. 4.2). Eq. (10)-(12):

    .. math::

        L_{F_S} = L_{seg}(F_S(x_s), y_s) + L_{seg}(F_S(G(x_s)), y_s)
                  + \\lambda_{con} \\lVert \\sigma(F_T(x_t)) -
                    \\sigma(F_S(P(x_t))) \\rVert_2^2

    - ``segmentor`` is the student F_S, ``teacher`` (role ``'ema'`` of the
      segmentor) the teacher F_T, updated by ``MeanTeacherHook`` (decay
      0.999, Sec. 4.2); validation and testing predict with the teacher
      (``predict_on='teacher'``: "We report results of the teacher
      network").
    - L_seg is the segmentor's head loss (softmax cross-entropy) on the
      source batch and, when the batch has a ``'translated'`` domain
      (:class:`~udaplug.datasets.TranslatedSourceUDADataset`: every source
      image with its translation), on the translated images with the same
      labels; without it the model is M0.
    - The consistency loss (:class:`SoftmaxConsistencyLoss`) compares the
      teacher's softmax on the target image with the student's on its
      strongly perturbed version P(x_t) (``perturbation``, colour jitter,
      Gaussian blur and noise, :class:`PhotometricPerturbation`).
      lambda_con is 0 for the first ``consistency_start`` iterations
      ("During the first 10.000 training steps of F_S, we keep lambda_con
      to zero") and ``consistency_weight`` afterwards; target images are not
      used while it is 0.
    - The random perturbation parameters come from a generator seeded per
      iteration and process (:func:`step_generator`), so resumed runs are
      exact and the global random state is untouched.

    Gradient clipping at a global norm of 5 (Sec. 4.2) is the segmentor
    optimizer's ``clip_grad`` in the configs.

    Args:
        segmentor (dict): ``MultiOutputEncoderDecoder`` config (the student).
        networks (dict): Must hold ``teacher=dict(role='ema',
            ema_of='segmentor')``.
        consistency_weight (float): lambda_con after the start (not stated
            in the paper; see docs/sci2i.md).
        consistency_start (int): Iterations with lambda_con = 0. Defaults to
            10,000 (Sec. 4.2).
        consistency_loss (dict): Defaults to ``SoftmaxConsistencyLoss``.
        perturbation (dict): The perturbation P. Defaults to
            ``PhotometricPerturbation`` with its defaults.
        seed (int, optional): Seed of the per-iteration generators. Defaults
            to ``torch.initial_seed()`` (the runner's ``randomness.seed``).
        predict_on (str): Defaults to ``'teacher'``.
        data_preprocessor (dict, optional): ``UDADataPreProcessor`` config.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 segmentor: dict,
                 networks: Dict[str, dict],
                 consistency_weight: float = 1.0,
                 consistency_start: int = 10000,
                 consistency_loss: dict = dict(type='SoftmaxConsistencyLoss'),
                 perturbation: dict = dict(type='PhotometricPerturbation'),
                 seed: Optional[int] = None,
                 predict_on: str = TEACHER,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 **kwargs):
        teacher = (networks or {}).get(TEACHER) or {}
        if teacher.get('role') != 'ema' or \
                teacher.get('ema_of') != 'segmentor':
            raise ValueError(
                'SCI2IMeanTeacher: the mean teacher needs networks=dict('
                "teacher=dict(role='ema', ema_of='segmentor')), got "
                f'networks={networks!r}')
        super().__init__(
            segmentor,
            networks=networks,
            predict_on=predict_on,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg,
            **kwargs)
        others = [n for n in self.trainable_names if n != 'segmentor']
        if others:
            raise ValueError('SCI2IMeanTeacher trains the segmentor only; '
                             f'remove the trainable networks {others}')
        if consistency_weight < 0 or consistency_start < 0:
            raise ValueError(
                'SCI2IMeanTeacher: consistency_weight and consistency_start '
                f'must be >= 0, got {consistency_weight} and '
                f'{consistency_start}')
        self.consistency_weight = float(consistency_weight)
        self.consistency_start = int(consistency_start)
        self.consistency_loss = MODELS.build(consistency_loss)
        self.perturbation = MODELS.build(perturbation)
        self.seed = draw_seed() if seed is None else int(seed)
        self._steps = 0

    def consistency_lambda(self, iteration: int) -> float:
        """lambda_con at ``iteration``: 0 before ``consistency_start``."""
        return linear_ramp(iteration, self.consistency_start,
                           self.consistency_start, self.consistency_weight)

    def from_unit_rgb(self, images: Tensor) -> Tensor:
        """RGB in [0, 1] -> the segmentor's input space (inverse of
        :meth:`to_unit_rgb`)."""
        if not getattr(self.data_preprocessor, 'channel_conversion', False):
            images = images.flip(1)  # back to the loaded BGR order
        return self.from_tanh_range(images * 2 - 1)

    def perturb(self, inputs: Tensor, generator: torch.Generator) -> Tensor:
        """P(x_t) for preprocessed target images, in the same space."""
        unit = self.to_unit_rgb(inputs)
        return self.from_unit_rgb(self.perturbation(unit, generator))

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        data = self.data_preprocessor(data, True)
        source, target = data['source'], data['target']
        translated = data.get(TRANSLATED)
        iteration = current_iteration(self._steps)
        self._steps += 1
        seg_optim = self.optimizer_of(optim_wrapper, 'segmentor')
        weight = self.consistency_lambda(iteration)
        vis = {}
        with seg_optim.optim_context(self.segmentor):
            # Eq. (11): cross-entropy on x_s and, for M1, on G(x_s).
            src_out = self.segmentor_outputs(source['inputs'])
            losses = self.supervised_losses(
                src_out, source['data_samples'], prefix='src.')
            if translated is not None:
                trans_out = self.segmentor_outputs(translated['inputs'])
                losses.update(
                    self.supervised_losses(
                        trans_out, translated['data_samples'],
                        prefix='trans.'))
                vis['translated_image'] = (translated['inputs'], 'input')
            # Eq. (12): teacher on x_t, student on P(x_t).
            if weight > 0:
                gen = step_generator(self.seed, iteration)
                perturbed = self.perturb(target['inputs'], gen)
                with torch.no_grad():
                    teacher_logits = self.outputs_of(TEACHER,
                                                     target['inputs'])['seg']
                student_logits = self.segmentor_outputs(perturbed)['seg']
                losses['loss_con'] = weight * self.consistency_loss(
                    student_logits, teacher_logits)
                vis.update(
                    target_image=(target['inputs'], 'input'),
                    perturbed_target_image=(perturbed, 'input'),
                    teacher_pred=(teacher_logits, 'logits'),
                    student_pred=(student_logits, 'logits'))
        log_vars = self.backward(seg_optim, losses)
        self.step(seg_optim)
        log_vars['lambda_con'] = torch.tensor(weight)
        self.record_visualization(
            source_image=(source['inputs'], 'input'),
            seg_pred=(src_out['seg'], 'logits'),
            **vis)
        return log_vars

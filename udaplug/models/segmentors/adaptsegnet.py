from typing import Dict, Tuple

import torch.nn.functional as F
from mmengine.optim import OptimWrapperDict
from torch import Tensor

from udaplug.registry import MODELS
from ..uda import BaseUDASegmentor, frozen


@MODELS.register_module()
class AdaptSegNet(BaseUDASegmentor):
    """Output-space adversarial adaptation: Tsai et al., "Learning to Adapt
    Structured Output Space for Semantic Segmentation", CVPR 2018.

    One iteration, as in the paper's Sec. 5 ("Network Training") and the
    official ``train_gta2cityscapes_multi.py``:

    1. segmentation network, discriminators frozen: the source segmentation
       loss (Eq. 3; per level weighted by the heads' ``loss_weight``, i.e.
       lambda_seg) is back-propagated, then the adversarial loss of the target
       prediction, sum_i lambda_adv^i L_adv^i (Eq. 4 vanilla, Eq. 8 LS-GAN),
       so that Eq. (5) is minimised;
    2. each discriminator D_i on the detached source and target predictions
       (Eq. 2 vanilla, Eq. 7 LS-GAN);
    3. every optimizer steps.

    A discriminator sees the softmax of the prediction upsampled to the
    input size (official code).

    Args:
        segmentor (dict): A ``MultiOutputEncoderDecoder`` config; for the
            multi-level model with an auxiliary head on conv4 (layer3).
        discriminators (dict): Name -> discriminator config.
        adversarial_levels (dict): Output level (``'seg'`` for the decode
            head, ``'aux'`` for the auxiliary head) -> ``dict(
            discriminator=<name>, loss_weight=<lambda_adv>)``.
        gan_loss (dict): ``DomainAdversarialLoss`` config (vanilla or
            LS-GAN) shared by the discriminators (a discriminator's own
            ``gan_loss`` key overrides it).
        predict_on (str): The network that predicts at test time. Defaults
            to ``'segmentor'``.
        networks (dict, optional): Further networks (see
            :class:`BaseUDASegmentor`).
    """

    def __init__(self,
                 segmentor: dict,
                 discriminators: Dict[str, dict],
                 adversarial_levels: Dict[str, dict],
                 gan_loss: dict = dict(
                     type='DomainAdversarialLoss', gan_type='vanilla'),
                 **kwargs):
        super().__init__(
            segmentor,
            discriminators=discriminators,
            gan_loss=gan_loss,
            **kwargs)
        levels = ['seg', *self.seg_model.aux_heads()]
        used = set()
        for level, cfg in adversarial_levels.items():
            if level not in levels:
                raise ValueError(
                    f'adversarial_levels: "{level}" is not an output of the '
                    f'segmentor (its outputs: {", ".join(levels)})')
            name = cfg['discriminator']
            if name not in self.discriminator_names:
                raise ValueError(
                    f'adversarial_levels.{level}: no discriminator "{name}" '
                    f'(discriminators: {", ".join(self.discriminator_names)})')
            self.check_in_channels(name, self.num_classes,
                                   'the softmax of the segmentation')
            used.add(name)
        unused = set(self.discriminator_names) - used
        if unused:
            raise ValueError(f'discriminators {sorted(unused)} are not used '
                             'by any of adversarial_levels')
        self.adversarial_levels = {
            level: (cfg['discriminator'], float(cfg['loss_weight']))
            for level, cfg in adversarial_levels.items()
        }

    def output_probs(self, outputs: Dict[str, Tensor],
                     size: Tuple[int, int]) -> Dict[str, Tensor]:
        """Softmax of each adversarial level's logits upsampled to ``size``
        (the discriminators' input)."""
        return {
            level:
            F.softmax(
                self.seg_model.resize_to_input(outputs[level], size), dim=1)
            for level in self.adversarial_levels
        }

    def target_losses(self, outputs: Dict[str, Tensor],
                      data_samples) -> Dict[str, Tensor]:
        """Further losses on the target predictions, back-propagated
        together with the adversarial terms (none here; e.g. a
        pseudo-label cross-entropy in :class:`SAI2I`)."""
        return {}

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        data = self.data_preprocessor(data, True)
        source, target = data['source'], data['target']
        seg_optim = self.optimizer_of(optim_wrapper, 'segmentor')
        disc_optims = {
            name: self.optimizer_of(optim_wrapper, name)
            for name in self.discriminator_names
        }
        discriminators = [self.network(n) for n in self.discriminator_names]
        log_vars = {}

        # 1. Segmentation network (Eq. 5), discriminators frozen.
        with frozen(*discriminators):
            with seg_optim.optim_context(self.segmentor):
                src_out = self.segmentor_outputs(source['inputs'])
                losses = self.supervised_losses(src_out,
                                                source['data_samples'])
            log_vars.update(self.backward(seg_optim, losses))

            with seg_optim.optim_context(self.segmentor):
                tgt_out = self.segmentor_outputs(target['inputs'])
                tgt_probs = self.output_probs(tgt_out,
                                              target['inputs'].shape[2:])
                adv_losses = {
                    f'loss_adv_{level}':
                    self.generator_adversarial_loss(name, tgt_probs[level],
                                                    weight)
                    for level, (name,
                                weight) in self.adversarial_levels.items()
                }
                adv_losses.update(
                    self.target_losses(tgt_out, target['data_samples']))
            log_vars.update(self.backward(seg_optim, adv_losses))

        # 2. Discriminators (Eq. 2) on detached predictions of both domains.
        src_probs = self.output_probs(
            {
                k: v.detach()
                for k, v in src_out.items()
            }, source['inputs'].shape[2:])
        for level, (name, _) in self.adversarial_levels.items():
            log_vars.update(
                self.train_discriminator(name, disc_optims[name],
                                         src_probs[level], tgt_probs[level]))

        # 3. Update every network.
        self.step(seg_optim, *disc_optims.values())
        self.record_visualization(
            source_image=(source['inputs'], 'input'),
            source_pred=(src_out['seg'], 'logits'),
            target_image=(target['inputs'], 'input'),
            target_pred=(tgt_out['seg'], 'logits'))
        return log_vars

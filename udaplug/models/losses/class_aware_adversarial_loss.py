"""Pixel-wise domain and class-wise adversarial loss of Brehm et al.,
"Semantically Consistent Image-to-Image Translation for Unsupervised Domain
Adaptation", ICAART 2022, Eq. (2)-(6)."""
from typing import Dict, Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from udaplug.registry import MODELS

DOMAINS = ('source', 'target')
GAN_TYPES = ('lsgan', 'vanilla')


@MODELS.register_module()
class ClassAwareAdversarialLoss(nn.Module):
    """GAN loss on a discriminator's ``1 + |C|`` output maps: one domain map
    and one map per class, whose class-wise term only counts at the pixels of
    that class (Brehm et al. Eq. 2-6).

    For a discriminator output D (channel 0 the domain map, channel 1 + c
    the map of class c) of an image with one-hot labels y and the domain's
    target value t (``source_label`` / ``target_label``):

    .. math::

        L = \\frac{1}{NHW} \\sum_{n,i,j} \\Big[ m(D_{n,0,i,j}, t) +
            \\frac{\\lambda_{cgan}}{|C|} \\sum_{c} m(D_{n,1+c,i,j}, t)
            \\, y_{n,i,j,c} \\Big]

    i.e. the per-image sum of Eq. (6) divided by HW (Eq. 7 and 9), averaged
    over the batch. The discriminator gets translated source images with
    ``'source'`` (Eq. 2/4: fake, 0) and target images with ``'target'``
    (real, 1), labelled with the source labels y_s and the target
    pseudo-labels y^_t; the generator gets translated source images with
    ``'target'`` (Eq. 3/5). Ignored pixels (``ignore_index``) have an all-zero
    one-hot vector: no class-wise term, but they count in HW.

    ``m`` is the squared error for ``gan_type='lsgan'`` (the paper's choice,
    Sec. 3.2) and the binary cross-entropy with logits for ``'vanilla'``
    (the "SGAN" row of Table 3). mmagic's ``GANLoss`` only returns reduced
    losses, so this per-pixel masked form is written here.

    The call signature is udaplug's per-discriminator loss interface:
    ``loss(disc_out, domain, is_disc, labels=...)``.

    Args:
        gan_type (str): ``'lsgan'`` or ``'vanilla'``. Defaults to
            ``'lsgan'``.
        class_weight (float): lambda_cgan. Defaults to 0.3 (Sec. 4.2, with
            precomputed pseudo-labels).
        source_label (float): Target value of source (translated, "fake")
            images. Defaults to 0 (Eq. 2).
        target_label (float): Target value of target ("real") images.
            Defaults to 1 (Eq. 2).
        ignore_index (int): Label value without a class. Defaults to 255.
    """

    def __init__(self,
                 gan_type: str = 'lsgan',
                 class_weight: float = 0.3,
                 source_label: float = 0.0,
                 target_label: float = 1.0,
                 ignore_index: int = 255) -> None:
        super().__init__()
        if gan_type not in GAN_TYPES:
            raise ValueError(f'ClassAwareAdversarialLoss: gan_type must be '
                             f'one of {GAN_TYPES}, got {gan_type!r}')
        self.gan_type = gan_type
        self.class_weight = float(class_weight)
        self.labels = dict(
            source=float(source_label), target=float(target_label))
        self.ignore_index = ignore_index

    def distance(self, pred: Tensor, value: float) -> Tensor:
        """Per-element distance m(pred, value) (unreduced)."""
        target = torch.full_like(pred, value)
        if self.gan_type == 'lsgan':
            return F.mse_loss(pred, target, reduction='none')
        return F.binary_cross_entropy_with_logits(
            pred, target, reduction='none')

    @staticmethod
    def gan_map(disc_out: Union[Tensor, Dict[str, Tensor]]) -> Tensor:
        """The GAN-head output of a discriminator: ``disc_out['gan']`` for
        dict outputs (``ACHeadDiscriminator``), else ``disc_out``."""
        if isinstance(disc_out, dict):
            if 'gan' not in disc_out:
                raise KeyError('ClassAwareAdversarialLoss: the '
                               'discriminator output has no "gan" entry '
                               f'(has: {", ".join(disc_out)})')
            return disc_out['gan']
        return disc_out

    def terms(self,
              disc_out: Union[Tensor, Dict[str, Tensor]],
              domain: str,
              labels: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """The unweighted domain term and class-wise term (the latter already
        divided by |C|), each averaged over the pixels of the batch."""
        if domain not in DOMAINS:
            raise ValueError(f'ClassAwareAdversarialLoss: domain must be one '
                             f'of {DOMAINS}, got {domain!r}')
        pred = self.gan_map(disc_out)
        if pred.dim() != 4 or pred.shape[1] < 2:
            raise ValueError(
                'ClassAwareAdversarialLoss: expected discriminator maps '
                '(N, 1 + num_classes, H, W), got '
                f'{tuple(pred.shape)}')
        value = self.labels[domain]
        num_classes = pred.shape[1] - 1
        terms = dict(domain=self.distance(pred[:, 0], value).mean())
        if labels is None:
            return terms
        if labels.dim() == 4 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.shape != pred.shape[:1] + pred.shape[2:]:
            raise ValueError(
                'ClassAwareAdversarialLoss: labels of shape '
                f'{tuple(labels.shape)} do not match the discriminator maps '
                f'{tuple(pred.shape)}; expected (N, H, W) = '
                f'{tuple(pred.shape[:1] + pred.shape[2:])}')
        labels = labels.long()
        valid = labels != self.ignore_index
        bad = valid & ((labels < 0) | (labels >= num_classes))
        if bad.any():
            raise ValueError(
                'ClassAwareAdversarialLoss: label values '
                f'{sorted(labels[bad].unique().tolist())} are neither classes '
                f'0..{num_classes - 1} of the {num_classes + 1}-map '
                f'discriminator nor ignore_index={self.ignore_index}')
        # sum_c m(D_c, t) y_c = m(D_y, t) at labelled pixels (one-hot y).
        index = torch.where(valid, labels, torch.zeros_like(labels))
        class_map = pred[:, 1:].gather(1, index.unsqueeze(1)).squeeze(1)
        masked = self.distance(class_map, value) * valid.to(pred.dtype)
        terms['class'] = masked.mean() / num_classes
        return terms

    def forward(self,
                disc_out: Union[Tensor, Dict[str, Tensor]],
                domain: str,
                is_disc: bool,
                labels: Optional[Tensor] = None,
                class_weight: Optional[float] = None) -> Tensor:
        """Loss of discriminator output ``disc_out`` labelled ``domain``.

        Args:
            disc_out (Tensor | dict): (N, 1 + C, H, W) logits, or a dict
                with them under ``'gan'``.
            domain (str): ``'source'`` or ``'target'``: the value the maps
                are pushed towards (for the generator, the domain its images
                should be mistaken for).
            is_disc (bool): Whether the loss trains the discriminator (the
                LSGAN and vanilla losses are the same for both sides).
            labels (Tensor, optional): (N, H, W) class indices (source
                labels or target pseudo-labels), ``ignore_index`` for none.
                Needed unless the class weight is 0.
            class_weight (float, optional): lambda_cgan for this call (e.g.
                ramped with online pseudo-labels). Defaults to
                ``self.class_weight``.
        """
        weight = self.class_weight if class_weight is None else float(
            class_weight)
        if labels is None and weight != 0:
            raise ValueError(
                'ClassAwareAdversarialLoss: the class-wise term (class_weight'
                f'={weight}) needs labels=(N, H, W) class indices')
        terms = self.terms(disc_out, domain, labels if weight != 0 else None)
        loss = terms['domain']
        if weight != 0:
            loss = loss + weight * terms['class']
        return loss

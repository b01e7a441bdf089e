"""The feature-level alignment stage of Musto & Zinelli, BMVC 2020
(Sec. 3.4, Eq. 7-11)."""
from typing import Dict, Tuple

from mmseg.utils import SampleList
from torch import Tensor

from udaplug.registry import MODELS
from .adaptsegnet import AdaptSegNet


class MissingPseudoLabelsError(KeyError):
    """A target sample carries no pseudo-labels."""

    def __str__(self) -> str:
        return str(self.args[0])


@MODELS.register_module()
class SAI2I(AdaptSegNet):
    """Segmentation network M trained on translated source images, target
    pseudo-labels and an output-space adversarial loss:

        L = lambda_seg L_seg + lambda_SSL L_SSL + lambda_adv L_adv   (Eq. 7)

    - L_seg (Eq. 8): cross-entropy on the translated source images
      X_{S->T} (the translate stage's dataset) with the source labels;
    - L_SSL (Eq. 10): cross-entropy on the target images with the
      pseudo-labels Y^SSL_T (Eq. 9: arg-max where the confidence is at
      least th_SSL = 0.9, else ignored), written offline before each round
      by the pseudo-label stage and loaded as the target's ``gt_sem_seg``;
    - L_adv (Eq. 11): AdaptSegNet's output-space adversarial loss with its
      fully-convolutional discriminator on the softmax of the upsampled
      predictions (Sec. 3.4 cites [42]; BDL's ``BDL.py``).

    One iteration follows BDL's ``BDL.py`` (whose optimisation settings
    Sec. 3.4 adopts), i.e. :class:`AdaptSegNet`'s step with the target
    pseudo-label loss added to the target term: source CE back-propagated;
    ``lambda_SSL`` x target CE + ``lambda_adv`` x adversarial loss
    back-propagated; the discriminator on the detached source and target
    predictions; every optimizer steps. lambda_seg is the decode head's
    loss weight (1).

    Args:
        ssl_loss_weight (float): lambda_SSL. Defaults to 1 (Sec. 3.4).
        **kwargs: :class:`AdaptSegNet` arguments (``segmentor``,
            ``discriminators``, ``adversarial_levels`` with lambda_adv:
            1e-3 for DeepLab-v2, 1e-4 for FCN-8s, ``gan_loss``...).
    """

    def __init__(self, ssl_loss_weight: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.ssl_loss_weight = float(ssl_loss_weight)

    @property
    def required_target_keys(self) -> Tuple[str, ...]:
        """The target pseudo-labels."""
        return ('gt_sem_seg', )

    def target_losses(self, outputs: Dict[str, Tensor],
                      data_samples: SampleList) -> Dict[str, Tensor]:
        """lambda_SSL x the cross-entropy with the pseudo-labels (Eq. 10),
        keys prefixed ``ssl.``."""
        for sample in data_samples:
            if 'gt_sem_seg' not in sample:
                raise MissingPseudoLabelsError(
                    f'{type(self).__name__}: the target image '
                    f'{sample.metainfo.get("img_path", "?")} has no '
                    'pseudo-labels (gt_sem_seg); train on the dataset of a '
                    'pseudo-label stage (its pipeline loads them), e.g. '
                    "train_dataloader.dataset.target='@pseudo_labels."
                    "dataset'")
        losses = self.supervised_losses(outputs, data_samples, prefix='ssl.')
        return {
            k: v * self.ssl_loss_weight if 'loss' in k else v
            for k, v in losses.items()
        }

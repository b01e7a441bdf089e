from .domain_adversarial_loss import DomainAdversarialLoss
from .symmetric_cross_entropy import SymmetricCrossEntropyLoss

__all__ = ['DomainAdversarialLoss', 'SymmetricCrossEntropyLoss']
from .multi_scale_adversarial_loss import \
    MultiScaleAdversarialLoss  # noqa: E402

__all__ += ['MultiScaleAdversarialLoss']

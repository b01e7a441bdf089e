from .domain_adversarial_loss import DomainAdversarialLoss

__all__ = ['DomainAdversarialLoss']
from .multi_scale_adversarial_loss import \
    MultiScaleAdversarialLoss  # noqa: E402

__all__ += ['MultiScaleAdversarialLoss']

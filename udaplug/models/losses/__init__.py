from .domain_adversarial_loss import DomainAdversarialLoss
from .symmetric_cross_entropy import SymmetricCrossEntropyLoss

__all__ = ['DomainAdversarialLoss', 'SymmetricCrossEntropyLoss']

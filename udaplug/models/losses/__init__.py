from .class_aware_adversarial_loss import ClassAwareAdversarialLoss
from .domain_adversarial_loss import DomainAdversarialLoss
from .softmax_consistency_loss import SoftmaxConsistencyLoss
from .symmetric_cross_entropy import SymmetricCrossEntropyLoss

__all__ = [
    'ClassAwareAdversarialLoss', 'DomainAdversarialLoss',
    'SoftmaxConsistencyLoss', 'SymmetricCrossEntropyLoss'
]

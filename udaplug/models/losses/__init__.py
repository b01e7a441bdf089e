from .class_aware_adversarial_loss import ClassAwareAdversarialLoss
from .domain_adversarial_loss import DomainAdversarialLoss
from .softmax_consistency_loss import SoftmaxConsistencyLoss

__all__ = [
    'ClassAwareAdversarialLoss', 'DomainAdversarialLoss',
    'SoftmaxConsistencyLoss'
]

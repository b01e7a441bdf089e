from .domain_adversarial_loss import DomainAdversarialLoss
from .semantic_consistency_loss import SemanticConsistencyLoss
from .symmetric_cross_entropy import SymmetricCrossEntropyLoss

__all__ = [
    'DomainAdversarialLoss', 'SemanticConsistencyLoss',
    'SymmetricCrossEntropyLoss'
]

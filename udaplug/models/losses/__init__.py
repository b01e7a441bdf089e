from .domain_adversarial_loss import DomainAdversarialLoss

__all__ = ['DomainAdversarialLoss']
from .semantic_consistency_loss import SemanticConsistencyLoss  # noqa: E402

__all__ += ['SemanticConsistencyLoss']

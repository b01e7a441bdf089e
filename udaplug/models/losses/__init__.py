from .domain_adversarial_loss import DomainAdversarialLoss

__all__ = ['DomainAdversarialLoss']

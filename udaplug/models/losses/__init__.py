from .domain_adversarial_loss import DomainAdversarialLoss
from .feature_distance_loss import (ImageNetFeatureDistanceLoss,
                                    downscale_label_ratio)
from .multi_scale_adversarial_loss import MultiScaleAdversarialLoss
from .symmetric_cross_entropy import SymmetricCrossEntropyLoss

__all__ = [
    'DomainAdversarialLoss', 'ImageNetFeatureDistanceLoss',
    'downscale_label_ratio', 'SymmetricCrossEntropyLoss',
    'MultiScaleAdversarialLoss'
]

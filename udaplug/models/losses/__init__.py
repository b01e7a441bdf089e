from .domain_adversarial_loss import DomainAdversarialLoss
from .feature_distance_loss import (ImageNetFeatureDistanceLoss,
                                    downscale_label_ratio)

__all__ = [
    'DomainAdversarialLoss', 'ImageNetFeatureDistanceLoss',
    'downscale_label_ratio'
]

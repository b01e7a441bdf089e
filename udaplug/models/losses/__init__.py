from .class_aware_adversarial_loss import ClassAwareAdversarialLoss
from .domain_adversarial_loss import DomainAdversarialLoss
from .feature_distance_loss import (ImageNetFeatureDistanceLoss,
                                    downscale_label_ratio)
from .multi_scale_adversarial_loss import MultiScaleAdversarialLoss
from .semantic_consistency_loss import SemanticConsistencyLoss
from .softmax_consistency_loss import SoftmaxConsistencyLoss
from .symmetric_cross_entropy import SymmetricCrossEntropyLoss

__all__ = [
    'ClassAwareAdversarialLoss', 'DomainAdversarialLoss',
    'ImageNetFeatureDistanceLoss', 'downscale_label_ratio',
    'SemanticConsistencyLoss', 'SoftmaxConsistencyLoss',
    'SymmetricCrossEntropyLoss', 'MultiScaleAdversarialLoss'
]

from .pseudo_labels import (ClassThresholdHistogram, class_thresholds,
                            confidence_fraction, confidence_fraction_weight,
                            confidence_pseudo_labels)

__all__ = [
    'ClassThresholdHistogram', 'class_thresholds', 'confidence_fraction',
    'confidence_fraction_weight', 'confidence_pseudo_labels'
]

"""The UDA core: the base model (networks by role, optimizer lookup,
per-network adversarial losses, backward/step helpers, declared interfaces),
image-space conversions and translation plumbing, EMA networks, pseudo-label
math."""
from .base_uda import (BaseUDASegmentor, NonFiniteLossError, check_networks,
                       frozen, input_channels, unwrap)
from .ema import EMANetwork
from .image_space import ImageSpaceMixin
from .pseudo_labels import (ClassThresholdHistogram, class_thresholds,
                            confidence_fraction, confidence_fraction_weight,
                            confidence_pseudo_labels)
from .roles import (DISCRIMINATOR, EMA, FROZEN, GENERATOR, OTHER, SEGMENTOR,
                    TRAINABLE, NetworkSpec)

__all__ = [
    'BaseUDASegmentor', 'NonFiniteLossError', 'check_networks', 'frozen',
    'input_channels', 'unwrap', 'EMANetwork', 'ImageSpaceMixin', 'NetworkSpec',
    'TRAINABLE', 'FROZEN', 'EMA', 'SEGMENTOR', 'GENERATOR', 'DISCRIMINATOR',
    'OTHER', 'ClassThresholdHistogram', 'class_thresholds',
    'confidence_fraction', 'confidence_fraction_weight',
    'confidence_pseudo_labels'
]

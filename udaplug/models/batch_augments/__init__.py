"""Augmentations of batched tensors, called inside a model's ``train_step``
(registered in ``MODELS``; build them with ``MODELS.build``)."""
from .class_mix import ClassMix
from .color_jitter import BatchColorJitter
from .gaussian_blur import BatchGaussianBlur

__all__ = ['ClassMix', 'BatchColorJitter', 'BatchGaussianBlur']

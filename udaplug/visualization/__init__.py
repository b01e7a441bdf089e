# mmseg's register_all_modules does not import mmseg.visualization, so its
# SegLocalVisualizer (the default visualizer of udaplug's runtime config)
# would be missing from the registry; importing it here registers it.
import mmseg.visualization  # noqa: F401

from .image_stats import (class_colour_distance,
                          class_colour_distance_of_means, class_colour_means,
                          high_frequency_fraction, high_frequency_power)
from .palette import colorize, palette_of

__all__ = [
    'colorize', 'palette_of', 'high_frequency_fraction',
    'high_frequency_power', 'class_colour_means', 'class_colour_distance',
    'class_colour_distance_of_means'
]

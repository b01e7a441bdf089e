from .seg_prediction_dump_hook import SegPredictionDumpHook

__all__ = ['SegPredictionDumpHook']
from .translation_visualization_hook import \
    TranslationVisualizationHook  # noqa: E402,E501

__all__ += ['TranslationVisualizationHook']

from .mean_teacher_hook import MeanTeacherHook
from .seg_prediction_dump_hook import SegPredictionDumpHook
from .translation_visualization_hook import TranslationVisualizationHook

__all__ = [
    'MeanTeacherHook', 'SegPredictionDumpHook', 'TranslationVisualizationHook'
]

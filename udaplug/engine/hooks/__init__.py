from .mean_teacher_hook import MeanTeacherHook
from .portable_checkpoint_hook import PortableCheckpointHook
from .seg_prediction_dump_hook import SegPredictionDumpHook
from .translation_visualization_hook import TranslationVisualizationHook

__all__ = [
    'MeanTeacherHook', 'PortableCheckpointHook', 'SegPredictionDumpHook',
    'TranslationVisualizationHook'
]

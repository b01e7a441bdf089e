from .base import BaseStage, WriterStage, merge_cfg_options
from .pseudo_label_stage import PseudoLabelStage
from .repeat_stages import RepeatStages
from .train_stage import TrainStage
from .translate_stage import TranslateStage

__all__ = [
    'BaseStage', 'WriterStage', 'merge_cfg_options', 'PseudoLabelStage',
    'RepeatStages', 'TrainStage', 'TranslateStage'
]

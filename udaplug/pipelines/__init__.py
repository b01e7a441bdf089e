"""Multi-stage pipelines (a config with ``stages=[...]``) and the offline
writers their stages use: translated datasets and pseudo-labels.

See ``docs/pipelines.md``.
"""
from .checks import (IncompleteTranslationError, PseudoLabelError,
                     check_derived_datasets, check_pseudo_label_dataset,
                     check_translated_dataset)
from .pipeline_runner import (PipelineConfigError, PipelineRunner,
                              StageChangedError, StageContext,
                              StageOutputMissingError, UnknownStageTypeError,
                              is_pipeline_config, model_config_path,
                              run_pipeline, stage_config_of)
from .pseudo_label_writer import write_pseudo_labels
from .references import StageReferenceError, parse_reference
from .stages import (BaseStage, PseudoLabelStage, RepeatStages, TrainStage,
                     TranslateStage)
from .translation import translate_dataset

__all__ = [
    'IncompleteTranslationError', 'PseudoLabelError', 'check_derived_datasets',
    'check_pseudo_label_dataset', 'check_translated_dataset',
    'PipelineConfigError', 'PipelineRunner', 'StageChangedError',
    'StageContext', 'StageOutputMissingError', 'UnknownStageTypeError',
    'is_pipeline_config', 'model_config_path', 'run_pipeline',
    'stage_config_of', 'write_pseudo_labels', 'StageReferenceError',
    'parse_reference', 'BaseStage', 'PseudoLabelStage', 'RepeatStages',
    'TrainStage', 'TranslateStage', 'translate_dataset'
]

"""udaplug's registries.

Every registry is a child of mmsegmentation's registry of the same kind (scope
``udaplug``), so with ``default_scope='udaplug'`` a config can name udaplug's
modules, mmseg's and mmengine's without a prefix, and any other OpenMMLab
package's with its scope as prefix (``type='mmagic.ResnetGenerator'``).
Kinds mmseg has no registry for (functions, training strategies) hang from
mmengine's root registry. udaplug has a child of every root registry of
mmengine: a lookup in scope ``udaplug`` of a kind without one falls back to
the root with a "Failed to search registry with scope" warning.
"""
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import STRATEGIES as MMENGINE_STRATEGIES
from mmengine.registry import Registry
from mmseg.registry import DATA_SAMPLERS as MMSEG_DATA_SAMPLERS
from mmseg.registry import DATASETS as MMSEG_DATASETS
from mmseg.registry import EVALUATOR as MMSEG_EVALUATOR
from mmseg.registry import HOOKS as MMSEG_HOOKS
from mmseg.registry import INFERENCERS as MMSEG_INFERENCERS
from mmseg.registry import LOG_PROCESSORS as MMSEG_LOG_PROCESSORS
from mmseg.registry import LOOPS as MMSEG_LOOPS
from mmseg.registry import METRICS as MMSEG_METRICS
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMSEG_OPTIM_WRAPPER_CONSTRUCTORS
from mmseg.registry import OPTIM_WRAPPERS as MMSEG_OPTIM_WRAPPERS
from mmseg.registry import OPTIMIZERS as MMSEG_OPTIMIZERS
from mmseg.registry import PARAM_SCHEDULERS as MMSEG_PARAM_SCHEDULERS
from mmseg.registry import RUNNER_CONSTRUCTORS as MMSEG_RUNNER_CONSTRUCTORS
from mmseg.registry import RUNNERS as MMSEG_RUNNERS
from mmseg.registry import TASK_UTILS as MMSEG_TASK_UTILS
from mmseg.registry import TRANSFORMS as MMSEG_TRANSFORMS
from mmseg.registry import VISBACKENDS as MMSEG_VISBACKENDS
from mmseg.registry import VISUALIZERS as MMSEG_VISUALIZERS
from mmseg.registry import WEIGHT_INITIALIZERS as MMSEG_WEIGHT_INITIALIZERS

RUNNERS = Registry('runner', parent=MMSEG_RUNNERS)
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=MMSEG_RUNNER_CONSTRUCTORS)
LOOPS = Registry('loop', parent=MMSEG_LOOPS)
HOOKS = Registry('hook', parent=MMSEG_HOOKS, locations=['udaplug.engine'])
DATASETS = Registry(
    'dataset', parent=MMSEG_DATASETS, locations=['udaplug.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMSEG_DATA_SAMPLERS, locations=['udaplug.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMSEG_TRANSFORMS, locations=['udaplug.datasets'])
MODELS = Registry('model', parent=MMSEG_MODELS, locations=['udaplug.models'])
# The runner looks model wrappers up with ``Registry.get`` on mmengine's root
# registry, which resolves a scope prefix only for the root's direct children:
# so this one hangs from the root (mmseg registers no wrappers), and configs
# name udaplug's wrappers with the prefix:
# 'udaplug.UDADistributedDataParallel'.
MODEL_WRAPPERS = Registry(
    'model_wrapper',
    parent=MMENGINE_MODEL_WRAPPERS,
    locations=['udaplug.models'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMSEG_WEIGHT_INITIALIZERS)
OPTIMIZERS = Registry(
    'optimizer', parent=MMSEG_OPTIMIZERS, locations=['udaplug.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMSEG_OPTIM_WRAPPERS, locations=['udaplug.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMSEG_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['udaplug.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler',
    parent=MMSEG_PARAM_SCHEDULERS,
    locations=['udaplug.engine'])
METRICS = Registry(
    'metric', parent=MMSEG_METRICS, locations=['udaplug.evaluation'])
EVALUATOR = Registry(
    'evaluator', parent=MMSEG_EVALUATOR, locations=['udaplug.evaluation'])
TASK_UTILS = Registry('task util', parent=MMSEG_TASK_UTILS)
VISUALIZERS = Registry(
    'visualizer',
    parent=MMSEG_VISUALIZERS,
    locations=['udaplug.visualization'])
VISBACKENDS = Registry(
    'vis_backend',
    parent=MMSEG_VISBACKENDS,
    locations=['udaplug.visualization'])
LOG_PROCESSORS = Registry('log_processor', parent=MMSEG_LOG_PROCESSORS)
INFERENCERS = Registry('inferencer', parent=MMSEG_INFERENCERS)
# functions (e.g. a dataloader's collate_fn) and training strategies
FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS)
STRATEGIES = Registry('strategy', parent=MMENGINE_STRATEGIES)
# Stage types of pipeline configs (a config with ``stages=[...]``, run by
# udaplug.pipelines.PipelineRunner); udaplug's own, no OpenMMLab parent.
STAGES = Registry('stage', locations=['udaplug.pipelines'])

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'DATASETS',
    'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
    'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR',
    'TASK_UTILS', 'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS',
    'INFERENCERS', 'FUNCTIONS', 'STRATEGIES', 'STAGES'
]

from .checkpoint import allow_mmengine_checkpoint_globals
from .errors import (ConfigNotFoundError, DataRootNotFoundError,
                     UnknownTypeError, check_config_path, check_data_root,
                     explain_unknown_types)
from .setup_env import register_all_modules

__all__ = [
    'allow_mmengine_checkpoint_globals', 'ConfigNotFoundError',
    'DataRootNotFoundError', 'UnknownTypeError', 'check_config_path',
    'check_data_root', 'explain_unknown_types', 'register_all_modules'
]

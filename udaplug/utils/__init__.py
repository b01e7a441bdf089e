from .checkpoint import (last_checkpoint, mmengine_checkpoint_io,
                         with_mmengine_checkpoint_io)
from .errors import (ConfigNotFoundError, DataRootNotFoundError,
                     UnknownTypeError, check_config_path, check_data_root,
                     explain_unknown_types)
from .setup_env import register_all_modules, unique_run_name

__all__ = [
    'last_checkpoint', 'mmengine_checkpoint_io', 'with_mmengine_checkpoint_io',
    'ConfigNotFoundError', 'DataRootNotFoundError', 'UnknownTypeError',
    'check_config_path', 'check_data_root', 'explain_unknown_types',
    'register_all_modules', 'unique_run_name'
]

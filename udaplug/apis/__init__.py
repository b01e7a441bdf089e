from .runner import (add_runner_args, build_runner, config_from_args,
                     enable_amp, load_config, set_data_roots, setup_launcher,
                     visit_dataloaders)

__all__ = [
    'add_runner_args', 'build_runner', 'config_from_args', 'enable_amp',
    'load_config', 'set_data_roots', 'setup_launcher', 'visit_dataloaders'
]

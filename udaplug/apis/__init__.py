from .runner import (add_runner_args, build_runner, config_from_args,
                     enable_amp, expand_param_scheduler, load_config,
                     resolve_resume, set_data_roots, setup_launcher,
                     trainable_networks, visit_dataloaders)

__all__ = [
    'add_runner_args', 'build_runner', 'config_from_args', 'enable_amp',
    'expand_param_scheduler', 'load_config', 'resolve_resume',
    'set_data_roots', 'setup_launcher', 'trainable_networks',
    'visit_dataloaders'
]

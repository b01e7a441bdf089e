from .runner import build_runner, enable_amp, load_config, setup_launcher

__all__ = ['build_runner', 'enable_amp', 'load_config', 'setup_launcher']

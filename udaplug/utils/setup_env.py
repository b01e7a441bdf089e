import datetime
import itertools
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register udaplug's modules (and mmseg's) into the registries.

    Args:
        init_default_scope (bool): Whether to make ``udaplug`` the default
            scope, so that registries build modules from udaplug's registry
            nodes (which fall back to mmseg's and mmengine's). Defaults to
            True.
    """
    import mmseg.utils
    mmseg.utils.register_all_modules(init_default_scope=False)

    import udaplug.datasets  # noqa: F401,F403
    import udaplug.engine  # noqa: F401,F403
    import udaplug.evaluation  # noqa: F401,F403
    import udaplug.models  # noqa: F401,F403
    import udaplug.visualization  # noqa: F401,F403

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('udaplug'):
        DefaultScope.get_instance('udaplug', scope_name='udaplug')
    elif current.scope_name != 'udaplug':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "udaplug"; `register_all_modules` switches it to '
                      '"udaplug". Pass `init_default_scope=False` to keep it.')
        DefaultScope.get_instance(
            f'udaplug-{datetime.datetime.now()}', scope_name='udaplug')


_RUNS = itertools.count(1)


def unique_run_name(prefix: str) -> str:
    """``<prefix>.<n>``, with ``n`` counting the calls in this process: a
    name for an mmengine runner (or logger) that no other one of this
    process has. mmengine keeps one logger, message hub and visualizer per
    name and hands an existing one out again, and a runner's default name
    is its config's name plus the time to the second: a second runner of
    the same config built within that second would log and write its
    scalars into the first one's work dir."""
    return f'{prefix}.{next(_RUNS)}'

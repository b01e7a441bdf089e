"""The tools' filter of known third-party warnings: each one hidden only
when it comes from the module that is known to emit it, so udaplug's own
warnings (and anything new) still show."""
import logging
import warnings

from mmengine.logging import MMLogger

from udaplug.utils.known_warnings import (KNOWN_LOG_MESSAGES, KNOWN_WARNINGS,
                                          filter_known_warnings)

SKIPPED = 'backbone.bn1.weight is skipped since its requires_grad=False'


def _warn_from(module: str, message: str, category) -> list:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        filter_known_warnings()
        warnings.warn_explicit(message, category, f'{module}.py', 1, module)
    return [str(w.message) for w in caught]


def test_known_python_warnings_hidden_only_from_their_module():
    samples = {
        r'`torch\.utils':
        '`torch.utils._pytree._register_pytree_node` is '
        'deprecated. Please use `torch.utils._pytree.register_pytree_node` '
        'instead.',
        r'``build_loss``':
        '``build_loss`` would be deprecated soon, please '
        'use ``mmseg.registry.MODELS.build()`` ',
        r'The draw is False':
        'The draw is False, it means that the hook for '
        'visualization will not take effect.',
        r'When align_corners':
        'When align_corners=True, the output would '
        'more aligned if input size (9, 17) is `x+1` and out size (64, 128) '
        'is `nx+1`',
        r'Unnecessary conv':
        'Unnecessary conv bias before batch/instance '
        'norm',
    }
    modules = {
        r'diffusers\.': 'diffusers.utils.outputs',
        r'mmseg\.models\.builder$': 'mmseg.models.builder',
        r'mmseg\.engine\.hooks\.visualization_hook$':
        'mmseg.engine.hooks.visualization_hook',
        r'mmseg\.models\.utils\.wrappers$': 'mmseg.models.utils.wrappers',
        r'mmcv\.cnn\.bricks\.conv_module$': 'mmcv.cnn.bricks.conv_module',
    }
    assert len(KNOWN_WARNINGS) == len(samples)
    for (pattern, category, module), text in zip(KNOWN_WARNINGS,
                                                 samples.values()):
        assert not _warn_from(modules[module], text, category), text
        # the same text from udaplug, or another category, still shows
        assert _warn_from('udaplug.models.segmentors.my_method', text,
                          category) == [text]
        other = RuntimeWarning if category is not RuntimeWarning \
            else UserWarning
        assert _warn_from(modules[module], text, other) == [text]
    # anything else from those modules still shows
    assert _warn_from('mmseg.models.builder', 'something new', UserWarning)


def _log_from(module: str, logger: logging.Logger, message: str):
    """Log ``message`` from code whose module name is ``module``."""
    namespace = {'__name__': module}
    exec(
        compile('def log(logger, message):\n'
                '    logger.warning(message)\n', f'<{module}>', 'exec'),
        namespace)
    namespace['log'](logger, message)


def test_known_log_messages_hidden_only_from_their_module():
    filter_known_warnings()
    logger = MMLogger.get_instance(
        'test_known_warnings_logger', logger_name='test_known_warnings')
    records = []

    class Keep(logging.Handler):

        def emit(self, record):
            records.append(record.getMessage())

    logger.addHandler(Keep())
    cases = [
        ('mmengine.optim.optimizer.default_constructor', SKIPPED),
        ('mmengine.evaluator.metric',
         'The prefix is not set in metric class SubsetIoUMetric.'),
        ('mmengine.fileio.file_client',
         '"FileClient" will be deprecated in future. Please use io '
         'functions in https://mmengine.readthedocs.io'),
        ('mmengine.fileio.file_client',
         '"HardDiskBackend" is the alias of "LocalBackend" and the former '
         'will be deprecated in future.'),
    ]
    assert len(cases) == len(KNOWN_LOG_MESSAGES)
    for module, message in cases:
        _log_from(module, logger, message)
    assert records == []
    for _, message in cases:
        _log_from('udaplug.engine.hooks.my_hook', logger, message)
    assert records == [message for _, message in cases]
    # a new message from the same mmengine module still shows
    _log_from('mmengine.optim.optimizer.default_constructor', logger,
              'something new')
    assert records[-1] == 'something new'


def test_filter_reaches_loggers_created_later_and_real_mmengine_code():
    """The optimizer constructor's 'skipped' lines, logged through
    mmengine's print_log to the current logger, are dropped."""
    import torch
    from mmengine.optim import DefaultOptimWrapperConstructor
    filter_known_warnings()
    logger = MMLogger.get_instance(
        'test_known_warnings_later', logger_name='test_known_warnings_later')
    records = []

    class Keep(logging.Handler):

        def emit(self, record):
            records.append(record.getMessage())

    logger.addHandler(Keep())
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 1, 1), torch.nn.Conv2d(1, 1, 1))
    model[0].weight.requires_grad_(False)
    constructor = DefaultOptimWrapperConstructor(
        dict(optimizer=dict(type='SGD', lr=0.1)),
        paramwise_cfg=dict(custom_keys={'1': dict(lr_mult=2.0)}))
    constructor(model)
    assert not [r for r in records if 'requires_grad=False' in r]
    logger.warning(SKIPPED)  # from this test module: shown
    assert records[-1] == SKIPPED

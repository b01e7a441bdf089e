"""Filters for the warnings that mmengine, mmseg, mmcv and their
dependencies print on every run and that say nothing about the user's
config: the tools install them first (:func:`filter_known_warnings`).

Each entry names the message, the warning category and the module that
emits it, so the same text from anywhere else (udaplug's own warnings
above all) still shows.
"""
import logging
import re
import sys
import warnings
from typing import Tuple

# (message regex, category, regex of the module the warning is issued from)
KNOWN_WARNINGS: Tuple[Tuple[str, type, str], ...] = (
    # diffusers (imported by mmagic) with torch >= 2.2
    (r'`torch\.utils\._pytree\._register_pytree_node` is deprecated',
     FutureWarning, r'diffusers\.'),
    # mmseg's decode heads build their losses with its deprecated helper
    (r'``build_loss`` would be deprecated soon', UserWarning,
     r'mmseg\.models\.builder$'),
    # mmseg's default visualization hook, off in udaplug's configs
    (r'The draw is False, it means that the hook for visualization',
     UserWarning, r'mmseg\.engine\.hooks\.visualization_hook$'),
    # mmseg's resize() with align_corners=True (DeepLab-v2's upsampling, as
    # the official code does it)
    (r'When align_corners=True, the output would more aligned', UserWarning,
     r'mmseg\.models\.utils\.wrappers$'),
    # mmcv's ConvModule with bias before instance norm (CycleGAN's and
    # PatchGAN's layers, as published)
    (r'Unnecessary conv bias before batch/instance norm', UserWarning,
     r'mmcv\.cnn\.bricks\.conv_module$'),
)

# mmengine's logger: (message regex, regex of the module that logs it)
KNOWN_LOG_MESSAGES: Tuple[Tuple[str, str], ...] = (
    # frozen parameters (BatchNorm affine, unused ASPP branches) are left out
    # of the optimizer, one line each
    (r'.+ is skipped since its requires_grad=False$',
     r'mmengine\.optim\.optimizer\.default_constructor$'),
    # mmseg's IoU metrics log without a prefix (mIoU, not iou/mIoU)
    (r'The prefix is not set in metric class (Subset)?IoUMetric\.$',
     r'mmengine\.evaluator\.metric$'),
    # mmcv's loading transforms still create a FileClient
    (r'"FileClient" will be deprecated in future', r'mmengine\.fileio\.'),
    (r'"HardDiskBackend" is the alias of "LocalBackend"',
     r'mmengine\.fileio\.'),
)

# frames of the logging machinery between the caller and a filter
_LOGGING_MODULES = ('logging', 'mmengine.logging.logger', __name__)


def _caller_module() -> str:
    """Name of the module that logged the record being filtered."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get('__name__', '')
        if name not in _LOGGING_MODULES and not name.startswith('logging.'):
            return name
        frame = frame.f_back
    return ''


class KnownLogMessageFilter(logging.Filter):
    """Drops the records of :data:`KNOWN_LOG_MESSAGES` (WARNING and below)
    logged by the modules named there."""

    patterns = [(re.compile(msg), re.compile(module))
                for msg, module in KNOWN_LOG_MESSAGES]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:
            return True
        message = record.getMessage()
        matching = [mod for msg, mod in self.patterns if msg.search(message)]
        if not matching:
            return True
        caller = _caller_module()
        return not any(mod.match(caller) for mod in matching)


_LOG_FILTER = KnownLogMessageFilter()


def filter_known_warnings() -> None:
    """Hide :data:`KNOWN_WARNINGS` and :data:`KNOWN_LOG_MESSAGES` for the
    rest of the process: Python warning filters, and a filter on every
    mmengine logger (existing and future ones)."""
    for message, category, module in KNOWN_WARNINGS:
        warnings.filterwarnings(
            'ignore', message=message, category=category, module=module)
    from mmengine.logging import MMLogger
    if not getattr(MMLogger, '_known_messages_filtered', False):
        init = MMLogger.__init__

        def __init__(self, *args, **kwargs):
            init(self, *args, **kwargs)
            self.addFilter(_LOG_FILTER)

        MMLogger.__init__ = __init__
        MMLogger._known_messages_filtered = True
    for logger in MMLogger._instance_dict.values():
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)

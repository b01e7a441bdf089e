"""mmengine checkpoints under torch's weights_only loading, confined to
udaplug's own checkpoint saving and loading (mmengine_checkpoint_io)."""
import collections
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from udaplug.utils import mmengine_checkpoint_io, with_mmengine_checkpoint_io

#: mmengine's own HistoryBuffer.__getstate__ (the class as mmengine defines
#: it, before any test ran)
MMENGINE_GETSTATE = HistoryBuffer.__dict__['__getstate__']


class Untrusted:
    pass


def _checkpoint(name):
    hub = MessageHub.get_instance(name)
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/lr', np.float64(2.5e-4))
    hub.update_info('iter', 10)
    return dict(
        meta=dict(seed=np.int64(1234), iter=10),
        message_hub=hub.state_dict(),
        state_dict=collections.OrderedDict(w=torch.ones(2)),
        numbers=[np.float32(1.5),
                 np.array([1, 2], dtype=np.int64)])


def _untouched():
    assert MMENGINE_GETSTATE.__module__ == 'mmengine.logging.history_buffer'
    assert HistoryBuffer.__dict__['__getstate__'] is MMENGINE_GETSTATE
    assert HistoryBuffer not in torch.serialization.get_safe_globals()


def test_mmengine_runtime_state_loads_with_weights_only(tmp_path):
    path = tmp_path / 'ckpt.pth'
    with mmengine_checkpoint_io():
        torch.save(_checkpoint('safe_globals_test'), path)
        loaded = torch.load(path, weights_only=True)
    _untouched()

    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.current() == 0.5
    assert buffer.mean() == 0.5  # statistics still work after loading
    assert loaded['meta']['seed'] == 1234
    np.testing.assert_array_equal(loaded['numbers'][1], [1, 2])
    # outside the context torch's allow-list is torch's own again
    with pytest.raises(Exception, match='Unsupported global'):
        torch.load(path, weights_only=True)


def test_plain_mmengine_pickling_is_refused_also_inside(tmp_path):
    """A checkpoint saved without the context holds mmengine's statistics
    functions (a getattr reference): weights_only loading refuses it."""
    path = tmp_path / 'plain.pth'
    torch.save(_checkpoint('plain_mmengine_test'), path)
    with mmengine_checkpoint_io(), pytest.raises(Exception, match='getattr'):
        torch.load(path, weights_only=True)


def test_other_classes_are_still_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'obj': Untrusted()}, path)
    with mmengine_checkpoint_io(), pytest.raises(
            Exception, match='Unsupported global'):
        torch.load(path, weights_only=True)


def test_context_is_reentrant_and_restores_on_error(tmp_path):
    with pytest.raises(RuntimeError, match='inner'):
        with mmengine_checkpoint_io():
            with mmengine_checkpoint_io():
                assert HistoryBuffer in torch.serialization.get_safe_globals()
            # the outer context still holds after the inner one ends
            assert HistoryBuffer in torch.serialization.get_safe_globals()
            assert HistoryBuffer.__dict__['__getstate__'] is not \
                MMENGINE_GETSTATE
            raise RuntimeError('inner')
    _untouched()


def test_runner_methods_run_inside_the_context():
    seen = {}

    class FakeRunner:

        def save_checkpoint(self, *args):
            seen['save'] = (args, HistoryBuffer
                            in torch.serialization.get_safe_globals())
            return 'saved'

        def train(self):
            seen['train'] = HistoryBuffer.__dict__['__getstate__'] is not \
                MMENGINE_GETSTATE

    runner = with_mmengine_checkpoint_io(FakeRunner())
    with_mmengine_checkpoint_io(runner)  # wrapping twice is harmless
    assert runner.save_checkpoint('dir', 'name') == 'saved'
    runner.train()
    assert seen == {'save': (('dir', 'name'), True), 'train': True}
    assert FakeRunner.save_checkpoint is not runner.save_checkpoint
    _untouched()  # the class and other runners are unchanged


def test_importing_udaplug_changes_nothing(subprocess_env):
    """In a fresh interpreter: mmengine's HistoryBuffer and torch's
    allow-list are the same after importing udaplug and registering every
    module."""
    script = '''
import json
import torch
from mmengine.logging import HistoryBuffer


def state():
    # torch's own entries come with torch's submodules (imported by mmseg)
    safe = [
        repr(g) for g in torch.serialization.get_safe_globals()
        if not str(getattr(g, '__module__', '')).startswith('torch')
    ]
    return dict(
        getstate=HistoryBuffer.__dict__['__getstate__'].__module__,
        attrs=sorted(HistoryBuffer.__dict__),
        safe=sorted(safe))


before = state()
import udaplug
import udaplug.apis
from udaplug.utils import register_all_modules
register_all_modules()
print(json.dumps(dict(before=before, after=state())))
'''
    result = subprocess.run([sys.executable, '-c', script],
                            env=subprocess_env(),
                            capture_output=True,
                            text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    states = json.loads(result.stdout.strip().splitlines()[-1])
    assert states['before']['getstate'] == 'mmengine.logging.history_buffer'
    assert states['after'] == states['before']
    assert states['after']['safe'] == []  # no HistoryBuffer, no numpy


def test_portable_form_round_trips_exactly(tmp_path):
    from mmengine.logging import HistoryBuffer, MessageHub

    from udaplug.utils.checkpoint import from_portable, to_portable
    hub = MessageHub.get_instance('portable_round_trip')
    for i in range(3):
        hub.update_scalar('train/loss', 0.1 * i + 1 / 3, count=i + 1)
    hub.update_info('iter', np.int64(7))
    hub.update_info('seed', 1234)
    state = dict(message_hub=hub.state_dict(), meta=dict(arr=np.arange(3.0)))
    path = str(tmp_path / 'portable.pth')
    torch.save(to_portable(state), path)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(path) == []
    back = from_portable(torch.load(path))  # plain weights_only loading
    buffer = back['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    original = hub.state_dict()['log_scalars']['train/loss']
    np.testing.assert_array_equal(buffer._log_history, original._log_history)
    np.testing.assert_array_equal(buffer._count_history,
                                  original._count_history)
    assert buffer.mean() == original.mean()
    assert back['message_hub']['runtime_info']['iter'] == 7
    np.testing.assert_array_equal(back['meta']['arr'], np.arange(3.0))

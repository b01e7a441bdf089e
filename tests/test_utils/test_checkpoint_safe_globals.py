import collections

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import udaplug  # noqa: F401  (allow-lists mmengine's checkpoint classes)


class Untrusted:
    pass


def test_mmengine_runtime_state_loads_with_weights_only(tmp_path):
    hub = MessageHub.get_instance('safe_globals_test')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/lr', np.float64(2.5e-4))
    hub.update_info('iter', 10)
    state = dict(
        meta=dict(seed=np.int64(1234), iter=10),
        message_hub=hub.state_dict(),
        state_dict=collections.OrderedDict(w=torch.ones(2)),
        numbers=[np.float32(1.5),
                 np.array([1, 2], dtype=np.int64)])
    path = tmp_path / 'ckpt.pth'
    torch.save(state, path)

    loaded = torch.load(path, weights_only=True)

    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.current() == 0.5
    assert buffer.mean() == 0.5  # statistics still work after loading
    assert loaded['meta']['seed'] == 1234
    np.testing.assert_array_equal(loaded['numbers'][1], [1, 2])


def test_other_classes_are_still_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'obj': Untrusted()}, path)
    with pytest.raises(Exception, match='Unsupported global'):
        torch.load(path, weights_only=True)

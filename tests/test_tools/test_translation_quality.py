"""tools/analysis/translation_quality.py: FID and IS with mmagic's metric
code and a local TorchScript Inception file (a tiny random one here; the
real weights cannot be downloaded in tests)."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn


class TinyInception(nn.Module):
    """The call interface of Tero's TorchScript Inception-v3 (uint8 RGB
    NCHW in; pool features with ``return_features``, else class
    probabilities), with tiny random weights."""

    def __init__(self):
        super().__init__()
        gen = torch.Generator().manual_seed(0)
        self.register_buffer('proj', torch.randn(48, 16, generator=gen))
        self.register_buffer('cls', torch.randn(16, 10, generator=gen))

    def forward(self,
                img: Tensor,
                return_features: bool = False,
                use_fp16: bool = False,
                no_output_bias: bool = False) -> Tensor:
        x = F.adaptive_avg_pool2d(img.float() / 255, 4).flatten(1)
        feats = torch.tanh(x @ self.proj)
        if return_features:
            return feats
        return F.softmax(feats @ self.cls * 5, dim=1)


@pytest.fixture(scope='module')
def tiny_inception(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('inception') / 'tiny_inception.pt')
    torch.jit.script(TinyInception()).save(path)
    return path


def _write_set(root, images):
    for i, img in enumerate(images):
        path = osp.join(root, 'sub', f'{i:03d}.png')
        os.makedirs(osp.dirname(path), exist_ok=True)
        cv2.imwrite(path, img)
    return root


def _scenes(n=24, seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 160, (32, 48, 3), dtype=np.uint8) for _ in range(n)
    ]


def test_identical_sets_give_zero_fid_shift_grows(tmp_path, tiny_inception,
                                                  load_tool):
    tool = load_tool('analysis/translation_quality.py')
    real = _write_set(str(tmp_path / 'real'), _scenes())
    same = _write_set(str(tmp_path / 'same'), _scenes())
    fids = [
        tool.translation_quality(
            same, real, inception=tiny_inception, splits=4)['fid']
    ]
    assert fids[0] == pytest.approx(0.0, abs=1e-3)
    for shift in (20, 60):  # brighter "translations"
        shifted = [
            np.clip(s.astype(int) + shift, 0, 255).astype(np.uint8)
            for s in _scenes()
        ]
        root = _write_set(str(tmp_path / f'shift{shift}'), shifted)
        fids.append(
            tool.translation_quality(
                root, real, inception=tiny_inception, splits=4)['fid'])
    assert 0.01 < fids[1] < fids[2]


def test_inception_score(tmp_path, tiny_inception, load_tool):
    tool = load_tool('analysis/translation_quality.py')
    real = _write_set(str(tmp_path / 'real'), _scenes())
    # one image repeated: p(y|x) = p(y) for all x -> IS = exp(0) = 1
    flat = _write_set(str(tmp_path / 'flat'), [_scenes(1)[0]] * 8)
    result = tool.translation_quality(
        flat, real, inception=tiny_inception, splits=2)
    assert result['inception_score'] == pytest.approx(1.0, abs=1e-5)
    # diverse images: exp(mean KL(p(y|x) || p(y))) computed by hand
    diverse = _write_set(str(tmp_path / 'diverse'), _scenes(8, seed=3))
    result = tool.translation_quality(
        diverse, real, inception=tiny_inception, splits=1)
    net = TinyInception()
    probs = torch.cat([
        net(
            torch.from_numpy(cv2.cvtColor(img,
                                          cv2.COLOR_BGR2RGB)).permute(2, 0,
                                                                      1)[None])
        for img in _scenes(8, seed=3)
    ]).double()
    marginal = probs.mean(0, keepdim=True)
    kl = (probs * (probs.log() - marginal.log())).sum(1)
    assert result['inception_score'] == pytest.approx(
        kl.mean().exp().item(), rel=1e-4)
    assert result['num_translated'] == 8 and result['num_real'] == 24


def test_local_weights_only(tmp_path, load_tool):
    tool = load_tool('analysis/translation_quality.py')
    real = _write_set(str(tmp_path / 'real'), _scenes(4))
    missing = str(tmp_path / 'inception-2015-12-05.pt')
    with pytest.raises(
            FileNotFoundError, match='inception-2015-12-05.pt.*--inception'):
        tool.translation_quality(real, real, inception=missing, splits=2)
    with open(missing, 'wb') as f:
        f.write(b'not a network')
    with pytest.raises(RuntimeError, match='not a TorchScript'):
        tool.translation_quality(real, real, inception=missing, splits=2)
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='no .png/.jpg/.jpeg images'):
        tool.list_images(str(tmp_path / 'empty'))
    with pytest.raises(FileNotFoundError, match='folder not found.*nowhere'):
        tool.list_images(str(tmp_path / 'nowhere'))


def test_cli_writes_json(tmp_path, tiny_inception, load_tool):
    import json
    tool = load_tool('analysis/translation_quality.py')
    real = _write_set(str(tmp_path / 'real'), _scenes(12))
    out = str(tmp_path / 'q.json')
    tool.main([
        real, real, '--inception', tiny_inception, '--splits', '3', '--resize',
        '24', '16', '--out', out
    ])
    with open(out) as f:
        result = json.load(f)
    assert result['fid'] == pytest.approx(0.0, abs=1e-3)
    assert result['num_real'] == 12

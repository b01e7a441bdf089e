"""The modules Toldo et al.'s method brings: stride-1 feature / official
image discriminators, the tanh-free generator, the image history buffer and
the model's random stream (exact resume), frozen-statistics BN, L_sem."""
import io

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer

from udaplug.models.discriminators import (PatchGANDiscriminator,
                                           StridedPatchDiscriminator)
from udaplug.models.discriminators.strided_patch_discriminator import SamePad2d
from udaplug.models.generators import ResnetTransformGenerator
from udaplug.models.losses import SemanticConsistencyLoss
from udaplug.models.utils import FrozenStatsBN, ImageHistoryBuffer, RNGStream
from udaplug.models.utils.packed_state import unpack_state
from udaplug.registry import MODELS


def save_load(state):
    """A state dict through torch.save / torch.load(weights_only=True)."""
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


# ----------------------------------------------------------------------
# StridedPatchDiscriminator
@pytest.mark.parametrize('size,stride,expected', [
    (8, 2, (1, 1)),
    (7, 2, (1, 2)),
    (38, 1, (1, 2)),
    (1, 1, (1, 2)),
    (9, 2, (1, 2)),
])
def test_same_padding_amounts_match_tensorflow(size, stride, expected):
    # TF: out = ceil(size / stride); total = max((out - 1) * stride + k -
    # size, 0); the odd pixel goes after
    assert SamePad2d.amounts(size, 4, stride) == expected


def test_feature_discriminator_structure():
    disc = MODELS.build(
        dict(type='StridedPatchDiscriminator', in_channels=320))
    convs = [m for m in disc.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 128, 256, 512, 1]
    assert [c.in_channels for c in convs] == [320, 64, 128, 256, 512]
    assert all(c.stride == (1, 1) and c.kernel_size == (4, 4) for c in convs)
    assert [c.bias is not None for c in convs] == [False] * 4 + [True]
    norms = [
        m for m in disc.modules()
        if isinstance(m, torch.nn.modules.instancenorm._InstanceNorm)
    ]
    # instance norm after every conv but the first and the last
    assert len(norms) == 3 and all(n.affine for n in norms)
    assert disc.output_stride == 1


def test_stride_one_keeps_the_feature_map_size():
    """A 600x600 crop at output stride 16 gives 38x38 features: the official
    feature discriminator keeps 38x38 (SAME padding), where mmagic's
    PatchGAN (three stride-2 convs, 1-pixel padding) leaves 2x2."""
    disc = StridedPatchDiscriminator(8, channels=(4, 4, 4, 4))
    disc.init_weights()
    assert disc(torch.randn(1, 8, 38, 38)).shape == (1, 1, 38, 38)
    # the demo's tiny maps (128x64 at stride 16: 8x4) work too
    assert disc(torch.randn(2, 8, 4, 8)).shape == (2, 1, 4, 8)
    patch = PatchGANDiscriminator(8, base_channels=4)
    assert patch(torch.randn(1, 8, 38, 38)).shape[2:] == (2, 2)


def test_official_image_discriminator_output_size():
    disc = StridedPatchDiscriminator(3, strides=(2, 2, 2, 2))
    assert disc.output_stride == 16
    # ceil(600 / 16) = 38 (TF SAME), odd sizes rounded up
    assert disc(torch.randn(1, 3, 600, 600)).shape == (1, 1, 38, 38)
    assert disc(torch.randn(1, 3, 33, 50)).shape == (1, 1, 3, 4)


def reference_forward(disc, x):
    """The official discriminator (cyclegan/ops.py Ck + last_conv) with
    the module's weights: TF SAME zero padding, conv, instance norm (scale,
    offset, eps 1e-5, biased variance), LeakyReLU 0.2."""
    convs = [m for m in disc.modules() if isinstance(m, torch.nn.Conv2d)]
    norms = [
        m for m in disc.modules()
        if isinstance(m, torch.nn.modules.instancenorm._InstanceNorm)
    ]
    for i, (conv, stride) in enumerate(zip(convs, disc.strides + (1, ))):
        h, w = x.shape[2:]
        top, bottom = SamePad2d.amounts(h, 4, stride)
        left, right = SamePad2d.amounts(w, 4, stride)
        x = F.conv2d(
            F.pad(x, (left, right, top, bottom)),
            conv.weight,
            conv.bias,
            stride=stride)
        if i == len(convs) - 1:
            return x
        if i > 0:
            norm = norms[i - 1]
            mean = x.mean(dim=(2, 3), keepdim=True)
            var = x.var(dim=(2, 3), keepdim=True, unbiased=False)
            x = (x - mean) / torch.sqrt(var + 1e-5)
            x = x * norm.weight.view(1, -1, 1, 1) + norm.bias.view(1, -1, 1, 1)
        x = torch.maximum(0.2 * x, x)


@pytest.mark.parametrize('strides', [(1, 1, 1, 1), (2, 2, 2, 2), (2, 1, 1, 1)])
def test_discriminator_matches_hand_computation(strides):
    torch.manual_seed(0)
    disc = StridedPatchDiscriminator(5, channels=(4, 6, 8, 8), strides=strides)
    disc.init_weights()
    x = torch.randn(2, 5, 19, 22)
    assert torch.allclose(disc(x), reference_forward(disc, x), atol=1e-5)


def test_discriminator_init_and_errors():
    torch.manual_seed(0)
    disc = StridedPatchDiscriminator(3, channels=(64, 64, 64, 64))
    disc.init_weights()
    convs = [m for m in disc.modules() if isinstance(m, torch.nn.Conv2d)]
    weights = torch.cat([c.weight.flatten() for c in convs])
    assert abs(weights.std().item() - 0.02) < 2e-3
    scales = torch.cat([
        m.weight for m in disc.modules()
        if isinstance(m, torch.nn.InstanceNorm2d)
    ])
    assert abs(scales.mean().item() - 1) < 0.01
    assert 0.01 < scales.std().item() < 0.03
    with pytest.raises(
            ValueError, match='built for 3 input channels, got '
            'an input with 4'):
        disc(torch.randn(1, 4, 8, 8))
    with pytest.raises(ValueError, match='one entry per conv'):
        StridedPatchDiscriminator(3, channels=(4, 4), strides=(1, ))
    # the PyTorch-CycleGAN padding as an option
    padded = StridedPatchDiscriminator(3, strides=(2, 2, 2, 1), padding=1)
    assert padded(torch.randn(1, 3, 64, 64)).shape == (1, 1, 6, 6)


# ----------------------------------------------------------------------
# Generator without tanh
def test_generator_without_tanh_is_the_same_network_before_tanh():
    torch.manual_seed(0)
    kwargs = dict(base_channels=8, num_blocks=2)
    with_tanh = ResnetTransformGenerator(3, **kwargs)
    linear = ResnetTransformGenerator(3, tanh=False, **kwargs)
    with_tanh.init_weights()
    assert set(with_tanh.state_dict()) == set(linear.state_dict())
    linear.load_state_dict(with_tanh.state_dict())
    x = torch.rand(1, 3, 16, 20) * 2 - 1
    raw = linear(x)
    assert torch.allclose(torch.tanh(raw), with_tanh(x), atol=1e-6)
    # scale the output conv up: the linear generator leaves [-1, 1]
    linear.model[-1].conv.weight.data *= 100
    assert linear(x).abs().max() > 1
    built = MODELS.build(
        dict(type='ResnetTransformGenerator', in_channels=3, tanh=False))
    assert not built.tanh and not hasattr(built.model[-1], 'activate')


# ----------------------------------------------------------------------
# ImageHistoryBuffer and RNGStream
def test_buffer_fills_then_swaps_with_probability_ratio():
    buffer = ImageHistoryBuffer(buffer_size=3, buffer_ratio=0.5)
    images = [torch.full((1, 1, 2, 2), float(i)) for i in range(200)]
    np.random.seed(0)
    returned = [buffer.query(img) for img in images]
    # not full: every image comes back as it is and is stored
    for i in range(3):
        assert torch.equal(returned[i], images[i])
    assert len(buffer) == 3
    old = sum(not torch.equal(r, img) for r, img in zip(returned, images))
    assert 70 < old < 130  # about half of the 197 later queries
    # a returned old image had been stored earlier
    for i, r in enumerate(returned):
        assert r[0, 0, 0, 0].item() <= i
    disabled = ImageHistoryBuffer(buffer_size=0)
    assert torch.equal(disabled.query(images[5]), images[5])


def test_buffer_state_round_trip():
    np.random.seed(1)
    buffer = ImageHistoryBuffer(buffer_size=4)
    for i in range(6):
        buffer.query(torch.full((2, 3, 2, 2), float(i)))
    state = save_load(buffer.state_dict())
    restored = ImageHistoryBuffer(buffer_size=4)
    restored.load_state_dict(state)
    assert len(restored) == 4
    for a, b in zip(buffer.buffer.image_buffer, restored.buffer.image_buffer):
        assert torch.equal(a, b)
    np.random.seed(2)
    a = buffer.query(torch.full((2, 3, 2, 2), 9.))
    np.random.seed(2)
    b = restored.query(torch.full((2, 3, 2, 2), 9.))
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match='more than buffer_size=2'):
        ImageHistoryBuffer(buffer_size=2).load_state_dict(state)
    volatile = ImageHistoryBuffer(buffer_size=4, persistent=False)
    volatile.query(torch.zeros(1, 3, 2, 2))
    assert unpack_state(save_load(
        volatile.state_dict())['_extra_state']) == dict(images=[])


class Stochastic(torch.nn.Module):
    """Dropout and a history buffer drawing from a model's own stream."""

    def __init__(self):
        super().__init__()
        self.rng = RNGStream(seed=3)
        self.buffer = ImageHistoryBuffer(buffer_size=2)

    def step(self, x):
        with self.rng.fork():
            return F.dropout(x, 0.5), self.buffer.query(x)


def test_rng_stream_makes_the_draws_resumable():
    x = [torch.full((1, 1, 4, 4), float(i)) for i in range(8)]
    straight = Stochastic()
    expected = [straight.step(xi) for xi in x]

    first = Stochastic()
    for xi in x[:4]:
        first.step(xi)
    state = save_load(first.state_dict())
    resumed = Stochastic()
    resumed.load_state_dict(state)
    # the runner re-seeds the global generators on resume
    torch.manual_seed(123)
    np.random.seed(123)
    for xi, (drop, hist) in zip(x[4:], expected[4:]):
        got_drop, got_hist = resumed.step(xi)
        assert torch.equal(got_drop, drop)
        assert torch.equal(got_hist, hist)


def test_rng_stream_leaves_the_global_generators_alone():
    stream = RNGStream(seed=5)
    torch.manual_seed(0)
    np.random.seed(0)
    expected_torch, expected_np = torch.rand(3), np.random.rand(3)
    torch.manual_seed(0)
    np.random.seed(0)
    with stream.fork():
        inside = torch.rand(3), np.random.rand(3)
    assert torch.equal(torch.rand(3), expected_torch)
    assert np.array_equal(np.random.rand(3), expected_np)
    assert not torch.equal(inside[0], expected_torch)
    # seeded by default from torch's global generator: a seeded run gives
    # the same stream
    torch.manual_seed(7)
    a = RNGStream()
    torch.manual_seed(7)
    assert RNGStream().seed == a.seed


# ----------------------------------------------------------------------
# FrozenStatsBN
def test_frozen_stats_bn_normalises_with_stored_statistics():
    _, bn = build_norm_layer(dict(type='FrozenStatsBN'), 4)
    assert isinstance(bn, FrozenStatsBN) and bn.eps == 1e-5
    bn.running_mean.copy_(torch.tensor([1., 2., 3., 4.]))
    bn.running_var.copy_(torch.tensor([1., 4., 9., 16.]))
    model = torch.nn.Sequential(bn).train()
    assert not bn.training
    x = torch.randn(2, 4, 3, 3)
    y = bn(x)
    expected = (x - bn.running_mean.view(
        1, -1, 1, 1)) / torch.sqrt(bn.running_var.view(1, -1, 1, 1) + 1e-5)
    assert torch.allclose(y, expected, atol=1e-6)
    assert torch.equal(bn.running_mean, torch.tensor([1., 2., 3., 4.]))
    assert int(bn.num_batches_tracked) == 0
    y.sum().backward()
    assert bn.weight.grad is not None and bn.bias.grad is not None
    assert set(bn.state_dict()) == set(torch.nn.BatchNorm2d(4).state_dict())
    model.eval()
    assert not bn.training


# ----------------------------------------------------------------------
# SemanticConsistencyLoss
def test_semantic_loss_hand_computation():
    loss = MODELS.build(dict(type='SemanticConsistencyLoss'))
    assert isinstance(loss, SemanticConsistencyLoss)
    assert loss.loss_weight == 0.1 and loss.loss_name == 'loss_sem'
    # 2 classes, 1x2 pixels: reference argmax [1, 0]
    logits = torch.tensor([[[[0., 1.]], [[0., 0.]]]], requires_grad=True)
    reference = torch.tensor([[[[0., 2.]], [[1., 0.]]]], requires_grad=True)
    value = loss(logits, reference)
    # pixel 0: label 1, logits (0, 0): -log(1/2); pixel 1: label 0, logits
    # (1, 0): -log(e / (e + 1))
    expected = 0.1 * 0.5 * (np.log(2) + np.log((np.e + 1) / np.e))
    assert abs(value.item() - expected) < 1e-6
    value.backward()
    assert reference.grad is None
    # d/dlogits of 0.1 * mean CE: 0.1 / 2 * (softmax - onehot)
    p0 = torch.tensor([0.5, 0.5]) - torch.tensor([0., 1.])
    s = torch.softmax(torch.tensor([1., 0.]), 0) - torch.tensor([1., 0.])
    expected_grad = 0.05 * torch.stack([p0, s], dim=1).view(1, 2, 1, 2)
    assert torch.allclose(logits.grad, expected_grad, atol=1e-6)
    with pytest.raises(ValueError, match=r'\(1, 2, 1, 3\).*\(1, 2, 1, 2\)'):
        loss(torch.zeros(1, 2, 1, 3), torch.zeros(1, 2, 1, 2))

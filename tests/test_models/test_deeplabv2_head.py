import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from udaplug.models.decode_heads import DeepLabV2Head
from udaplug.registry import MODELS


def _feats(c_low=8, c_high=16, size=9):
    torch.manual_seed(0)
    return [
        torch.randn(2, c_low, size, size),
        torch.randn(2, c_high, size, size)
    ]


def test_registered_and_layout():
    assert MODELS.get('DeepLabV2Head') is DeepLabV2Head
    head = DeepLabV2Head(in_channels=16, num_classes=5, in_index=1)
    assert not hasattr(head, 'conv_seg')
    assert head.dropout is None
    assert list(head.state_dict()) == [
        f'aspp_convs.{i}.{p}' for i in range(4) for p in ('weight', 'bias')
    ]
    for conv, d in zip(head.aspp_convs, (6, 12, 18, 24)):
        assert conv.kernel_size == (3, 3)
        assert conv.dilation == (d, d) and conv.padding == (d, d)
        assert conv.in_channels == 16 and conv.out_channels == 5
        assert conv.bias is not None


def test_init_weights_normal_001():
    head = DeepLabV2Head(in_channels=256, num_classes=19)
    head.init_weights()
    weights = torch.cat([c.weight.flatten() for c in head.aspp_convs])
    assert abs(weights.std().item() - 0.01) < 1e-3
    assert abs(weights.mean().item()) < 1e-3
    # biases keep PyTorch's default uniform init (as the official code)
    bound = 1 / (256 * 9)**0.5
    for conv in head.aspp_convs:
        assert conv.bias.abs().max() <= bound


def test_sum_of_all_branches():
    feats = _feats()
    head = DeepLabV2Head(in_channels=16, num_classes=5, in_index=1)
    out = head(feats)
    assert out.shape == (2, 5, 9, 9)
    expected = sum(conv(feats[1]) for conv in head.aspp_convs)
    torch.testing.assert_close(out, expected)
    assert all(p.requires_grad for p in head.parameters())


def test_official_forward_sums_first_two_branches():
    feats = _feats()
    head = DeepLabV2Head(
        in_channels=8, num_classes=5, in_index=0, num_summed_branches=2)
    out = head(feats)
    expected = head.aspp_convs[0](feats[0]) + head.aspp_convs[1](feats[0])
    torch.testing.assert_close(out, expected)
    grads = {n: p.requires_grad for n, p in head.named_parameters()}
    assert grads == {
        'aspp_convs.0.weight': True,
        'aspp_convs.0.bias': True,
        'aspp_convs.1.weight': True,
        'aspp_convs.1.bias': True,
        'aspp_convs.2.weight': False,
        'aspp_convs.2.bias': False,
        'aspp_convs.3.weight': False,
        'aspp_convs.3.bias': False,
    }
    # unused branches stay in the state dict for checkpoint compatibility
    assert 'aspp_convs.3.weight' in head.state_dict()
    out.sum().backward()
    assert head.aspp_convs[2].weight.grad is None
    assert head.aspp_convs[0].weight.grad is not None
    full = DeepLabV2Head(in_channels=8, num_classes=5, in_index=0)
    full.load_state_dict(head.state_dict())
    assert not torch.allclose(full(feats), out)


def test_loss_and_predict():
    feats = _feats(size=5)
    head = DeepLabV2Head(
        in_channels=16, num_classes=3, in_index=1, num_summed_branches=2)
    head.init_weights()
    samples = []
    for _ in range(2):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, 33, 33)))
        samples.append(s)
    losses = head.loss(feats, samples, train_cfg=None)
    assert set(losses) == {'loss_ce', 'acc_seg'}
    # mmseg's default: cross-entropy of the logits resized to the labels
    logits = torch.nn.functional.interpolate(
        head(feats), size=(33, 33), mode='bilinear', align_corners=False)
    labels = torch.cat([s.gt_sem_seg.data for s in samples])
    torch.testing.assert_close(
        losses['loss_ce'], torch.nn.functional.cross_entropy(logits, labels))
    logits = head.predict(feats, [dict(img_shape=(33, 33))] * 2, None)
    assert logits.shape == (2, 3, 33, 33)


def test_argument_checks():
    with pytest.raises(ValueError, match='num_summed_branches'):
        DeepLabV2Head(in_channels=8, num_classes=3, num_summed_branches=5)
    with pytest.raises(ValueError, match='channels'):
        DeepLabV2Head(in_channels=8, channels=4, num_classes=3)
    head = DeepLabV2Head(
        in_channels=8, channels=8, num_classes=3, dilations=(1, 2))
    assert len(head.aspp_convs) == 2

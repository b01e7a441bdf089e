"""MultiScaleDiscriminator (Table 5, 3 scales) and the loss summed over
its scales (LSGAN, Eq. 3)."""
import pytest
import torch
from torch import nn

from udaplug.models.discriminators import MultiScaleDiscriminator
from udaplug.models.losses import MultiScaleAdversarialLoss


def _avg_pool_no_pad_count(x):
    """3x3 / stride 2 / padding 1 average, counting only pixels inside the
    image (count_include_pad=False), by hand."""
    n, c, h, w = x.shape
    padded = torch.zeros(n, c, h + 2, w + 2)
    padded[:, :, 1:-1, 1:-1] = x
    ones = torch.zeros(1, 1, h + 2, w + 2)
    ones[:, :, 1:-1, 1:-1] = 1
    oh, ow = (h - 1) // 2 + 1, (w - 1) // 2 + 1
    out = torch.zeros(n, c, oh, ow)
    for i in range(oh):
        for j in range(ow):
            win = padded[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
            cnt = ones[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3].sum()
            out[:, :, i, j] = win.sum(dim=(2, 3)) / cnt
    return out


def test_three_scales_table5_layout():
    disc = MultiScaleDiscriminator()
    assert disc.num_scales == 3 and len(disc.scales) == 3
    for scale in disc.scales:
        convs = [m for m in scale.modules() if isinstance(m, nn.Conv2d)]
        assert [(c.in_channels, c.out_channels, c.kernel_size[0], c.stride[0])
                for c in convs] == [(3, 64, 4, 2), (64, 128, 4, 2),
                                    (128, 256, 4, 2), (256, 512, 4, 2),
                                    (512, 1, 1, 1)]
        assert all(hasattr(c, 'weight_orig') for c in convs)  # SN
        acts = [m for m in scale.modules() if isinstance(m, nn.LeakyReLU)]
        assert len(acts) == 4 and all(a.negative_slope == 0.2 for a in acts)
        assert not [
            m for m in scale.modules()
            if isinstance(m, (nn.modules.batchnorm._NormBase, nn.GroupNorm))
        ]


def test_each_scale_sees_the_downsampled_image():
    torch.manual_seed(0)
    disc = MultiScaleDiscriminator(channels=(4, 8, 8, 8))
    x = torch.randn(2, 3, 128, 80)
    for _ in range(20):  # let spectral norm's power iteration settle
        disc(x)
    disc.eval()
    outs = disc(x)
    assert [tuple(o.shape) for o in outs] == [(2, 1, 8, 5), (2, 1, 4, 2),
                                              (2, 1, 2, 1)]
    x1 = _avg_pool_no_pad_count(x)
    x2 = _avg_pool_no_pad_count(x1)
    torch.testing.assert_close(outs[0], disc.scales[0](x))
    torch.testing.assert_close(outs[1], disc.scales[1](x1))
    torch.testing.assert_close(outs[2], disc.scales[2](x2))
    # the scales are separate networks
    assert disc.scales[0][0].conv.weight_orig is not \
        disc.scales[1][0].conv.weight_orig
    with pytest.raises(ValueError, match='3 input channels'):
        disc(torch.randn(1, 4, 32, 32))


def test_spectral_norm_bounds_every_layer():
    torch.manual_seed(0)
    disc = MultiScaleDiscriminator(channels=(4, 8, 8, 8))
    x = torch.randn(1, 3, 64, 64)
    for _ in range(30):  # power iterations converge in train mode
        disc(x)
    for conv in (m for m in disc.modules() if isinstance(m, nn.Conv2d)):
        w = conv.weight.detach().reshape(conv.weight.shape[0], -1)
        assert torch.linalg.matrix_norm(
            w, ord=2) == pytest.approx(
                1.0, abs=1e-2)


def test_multi_scale_lsgan_loss_hand_computation():
    # Eq. 3 labels: real 0, fake 1 (per-discriminator loss config)
    loss = MultiScaleAdversarialLoss(
        gan_type='lsgan', source_label=0.0, target_label=1.0)
    outs = [torch.tensor([[[[0.5, -1.0]]]]), torch.tensor([[[[2.0]]]])]
    # mean squared error to the label, summed over scales
    assert loss(
        outs, 'source',
        is_disc=True).item() == pytest.approx((0.25 + 1.0) / 2 + 4.0)
    assert loss(
        outs, 'target',
        is_disc=True).item() == pytest.approx((0.25 + 4.0) / 2 + 1.0)
    mean = MultiScaleAdversarialLoss(reduction='mean', gan_type='lsgan')
    assert mean(
        outs, 'source', is_disc=False).item() == pytest.approx(
            ((0.25 + 1.0) / 2 + 4.0) / 2)
    single = loss(outs[1], 'source', is_disc=False)  # a tensor: one scale
    assert single.item() == pytest.approx(4.0)
    with pytest.raises(ValueError, match='reduction'):
        MultiScaleAdversarialLoss(reduction='max')

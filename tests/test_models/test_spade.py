"""SPADE normalisation, SPADE residual blocks, the content encoder and the
SPADE generator (Musto & Zinelli, App. B Table 5)."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from udaplug.models.generators import (SPADE, ContentEncoder, SPADEGenerator,
                                       SPADEResBlock)


def _set_conv(conv, weight, bias):
    with torch.no_grad():
        conv.weight.copy_(weight)
        conv.bias.copy_(bias)


def test_spade_matches_hand_computation():
    """Eq. 6 with SPADE's released choices: instance norm without affine,
    nearest resize, a ReLU hidden layer and x_hat * (1 + gamma) + beta."""
    torch.manual_seed(0)
    spade = SPADE(2, 3, hidden_channels=4, kernel_size=1)
    ws, bs = torch.randn(4, 3, 1, 1), torch.randn(4)
    wg, bg = torch.randn(2, 4, 1, 1), torch.randn(2)
    wb, bb = torch.randn(2, 4, 1, 1), torch.randn(2)
    _set_conv(spade.mlp_shared[0], ws, bs)
    _set_conv(spade.mlp_gamma, wg, bg)
    _set_conv(spade.mlp_beta, wb, bb)
    x = torch.randn(2, 2, 4, 6) * 3 + 1
    segmap = torch.randn(2, 3, 2, 3)  # half the activations' size

    # by hand: nearest 2x = repeat each map pixel twice along both axes
    m = segmap.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    hidden = torch.einsum('oc,nchw->nohw', ws[:, :, 0, 0], m)
    hidden = (hidden + bs[None, :, None, None]).clamp(min=0)
    gamma = torch.einsum('oc,nchw->nohw', wg[:, :, 0, 0], hidden) + \
        bg[None, :, None, None]
    beta = torch.einsum('oc,nchw->nohw', wb[:, :, 0, 0], hidden) + \
        bb[None, :, None, None]
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = x.var(dim=(2, 3), unbiased=False, keepdim=True)
    x_hat = (x - mean) / torch.sqrt(var + 1e-5)
    expected = x_hat * (1 + gamma) + beta
    torch.testing.assert_close(spade(x, segmap), expected)

    # gamma_offset=0: Eq. 6 as printed
    spade.gamma_offset = 0.0
    torch.testing.assert_close(spade(x, segmap), x_hat * gamma + beta)


def test_spade_is_spatially_adaptive_and_checks_inputs():
    spade = SPADE(4, 3)
    x = torch.randn(1, 4, 16, 16)
    seg = torch.zeros(1, 3, 16, 16)
    seg[:, 0, :, :8] = 5.0  # class 0 on the left half
    seg[:, 1, :, 8:] = 5.0  # class 1 on the right half
    out = spade(x, seg)
    x_hat = F.instance_norm(x)
    # inside a region (away from borders) the modulation depends on the
    # class only: equal within a half, different between halves
    gamma, beta = spade.modulation(seg, (16, 16))
    assert not torch.allclose(gamma[..., 8, 4], gamma[..., 8, 12])
    torch.testing.assert_close(gamma[..., 8, 3], gamma[..., 8, 4])
    torch.testing.assert_close(beta[..., 7, 12], beta[..., 8, 11])
    torch.testing.assert_close(out, x_hat * (1 + gamma) + beta)
    # initialised close to the identity (SPADE's xavier gain 0.02)
    assert gamma.abs().max() < 0.1 and beta.abs().max() < 0.1
    with pytest.raises(ValueError, match='3 channels'):
        spade(x, torch.zeros(1, 5, 16, 16))
    with pytest.raises(ValueError, match='semantic map'):
        spade(x, None)
    with pytest.raises(ValueError, match='resize_mode'):
        SPADE(4, 3, resize_mode='area')


def _spectral_convs(module):
    return [
        m for m in module.modules()
        if isinstance(m, nn.Conv2d) and hasattr(m, 'weight_orig')
    ]


def _plain_convs(module, exclude=()):
    excluded = {id(m) for e in exclude for m in e.modules()}
    return [
        m for m in module.modules() if isinstance(m, nn.Conv2d)
        and not hasattr(m, 'weight_orig') and id(m) not in excluded
    ]


def test_spade_res_block_layout_and_gradient():
    torch.manual_seed(0)
    # eval: spectral norm's power iteration would move between the calls
    block = SPADEResBlock(8, label_channels=3).eval()
    x = torch.randn(2, 8, 6, 6, requires_grad=True)
    seg = torch.randn(2, 3, 12, 12, requires_grad=True)
    # x + N2(conv2(relu(N1(conv1(x))))) by hand with the block's layers
    h = block.norm1(block.conv1(x), seg).clamp(min=0)
    expected = x + block.norm2(block.conv2(h), seg)
    out = block(x, seg)
    torch.testing.assert_close(out, expected)
    out.sum().backward()
    assert seg.grad.abs().sum() > 0  # the semantic map modulates
    # every conv outside SPADE is spectrally normalised, without bias
    convs = _spectral_convs(block)
    assert len(convs) == 2 and all(c.bias is None for c in convs)
    assert not _plain_convs(block, exclude=[block.norm1, block.norm2])
    with pytest.raises(ValueError, match='semantic map'):
        block(x)

    plain = SPADEResBlock(8).eval()  # encoder / "no SPADE" ablation: IN only
    assert isinstance(plain.norm1, nn.InstanceNorm2d)
    assert not plain.norm1.affine
    out = plain(x)
    h = F.instance_norm(plain.conv1(x)).clamp(min=0)
    torch.testing.assert_close(out, x + F.instance_norm(plain.conv2(h)))


def test_content_encoder_table5():
    enc = ContentEncoder()
    convs = _spectral_convs(enc)
    # 7x7 3->64, 4x4/2 64->128, 4x4/2 128->256, 4 blocks x 2 3x3 256->256
    shapes = [(c.in_channels, c.out_channels, c.kernel_size[0], c.stride[0])
              for c in convs]
    assert shapes == [(3, 64, 7, 1), (64, 128, 4, 2), (128, 256, 4, 2)] + \
        [(256, 256, 3, 1)] * 8
    assert not _plain_convs(enc)
    norms = [m for m in enc.modules() if isinstance(m, nn.InstanceNorm2d)]
    assert len(norms) == 11 and not any(n.affine for n in norms)
    small = ContentEncoder(base_channels=8, num_res_blocks=1)
    z = small(torch.rand(2, 3, 32, 24) * 2 - 1)
    assert z.shape == (2, 32, 8, 6) and small.out_channels == 32
    with pytest.raises(ValueError, match='3 input channels'):
        small(torch.rand(1, 4, 32, 32))


def test_spade_generator_table5():
    gen = SPADEGenerator(label_channels=19)
    convs = _spectral_convs(gen)
    shapes = [(c.in_channels, c.out_channels, c.kernel_size[0]) for c in convs]
    assert shapes == [(256, 256, 3)] * 8 + [(256, 128, 5), (128, 64, 5),
                                            (64, 3, 5 + 2)]
    spades = [m for m in gen.modules() if isinstance(m, SPADE)]
    assert len(spades) == 8 and all(s.label_channels == 19 for s in spades)
    # layer norm = GroupNorm with one group, after both 5x5 convs
    gns = [m for m in gen.modules() if isinstance(m, nn.GroupNorm)]
    assert [(g.num_groups, g.num_channels) for g in gns] == [(1, 128), (1, 64)]
    ups = [m for m in gen.modules() if isinstance(m, nn.Upsample)]
    assert [(u.scale_factor, u.mode) for u in ups] == [(2.0, 'nearest')] * 2


def test_group_norm_is_layer_norm_over_chw():
    gn = nn.GroupNorm(1, 4)
    with torch.no_grad():
        gn.weight.copy_(torch.tensor([1., 2., 3., 4.]))
        gn.bias.copy_(torch.tensor([0., 1., 0., -1.]))
    x = torch.randn(2, 4, 3, 5)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    var = x.var(dim=(1, 2, 3), unbiased=False, keepdim=True)
    expected = (x - mean) / torch.sqrt(var + 1e-5) * \
        gn.weight[None, :, None, None] + gn.bias[None, :, None, None]
    torch.testing.assert_close(gn(x), expected)


def test_spade_generator_uses_the_semantic_map():
    torch.manual_seed(0)
    enc = ContentEncoder(base_channels=8, num_res_blocks=1).eval()
    gen = SPADEGenerator(
        label_channels=4,
        in_channels=32,
        num_res_blocks=2,
        spade_cfg=dict(hidden_channels=8)).eval()
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    seg_a, seg_b = torch.randn(1, 4, 4, 4), torch.randn(1, 4, 4, 4)
    # stronger modulation than at initialisation, so the effect is visible
    for m in gen.modules():
        if isinstance(m, SPADE):
            nn.init.normal_(m.mlp_gamma.weight, std=0.5)
            nn.init.normal_(m.mlp_beta.weight, std=0.5)
    z = enc(x)
    out_a, out_b = gen(z, seg_a), gen(z, seg_b)
    assert out_a.shape == (1, 3, 32, 32)
    assert out_a.abs().max() <= 1  # tanh
    assert (out_a - out_b).abs().max() > 1e-3

    ablation = SPADEGenerator(
        label_channels=4, in_channels=32, num_res_blocks=2,
        with_spade=False).eval()
    assert not [m for m in ablation.modules() if isinstance(m, SPADE)]
    torch.testing.assert_close(ablation(z, seg_a), ablation(z, seg_b))
    torch.testing.assert_close(ablation(z, seg_a), ablation(z))
    with pytest.raises(ValueError, match='semantic map'):
        gen(z)
    with pytest.raises(ValueError, match='32 channels'):
        gen(torch.randn(1, 8, 8, 8), seg_a)

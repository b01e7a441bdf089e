"""The DAFormer decoder: structure, the per-position linear embedding,
a forward pass recomputed by hand, parameter count of the paper setting."""
import pytest
import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule

from udaplug.registry import MODELS

MIT_B5_CHANNELS = [64, 128, 320, 512]


def head(**kw):
    cfg = dict(
        type='DAFormerHead',
        in_channels=MIT_B5_CHANNELS,
        in_index=[0, 1, 2, 3],
        channels=256,
        embed_dims=256,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        fusion='aspp',
        fusion_dilations=(1, 6, 12, 18),
        fusion_separable=True)
    cfg.update(kw)
    return MODELS.build(cfg)


def mit_features(n=2, size=32, channels=MIT_B5_CHANNELS, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [
        torch.randn(n, c, size // 2**i, size // 2**i, generator=gen)
        for i, c in enumerate(channels)
    ]


def test_paper_setting_structure_and_parameters():
    h = head()
    aspp = h.fusion_aspp
    assert isinstance(aspp[0], ConvModule)
    assert aspp[0].conv.kernel_size == (1, 1)
    for branch, d in zip(list(aspp)[1:], (6, 12, 18)):
        assert isinstance(branch, DepthwiseSeparableConvModule)
        assert branch.depthwise_conv.conv.dilation == (d, d)
    assert h.fusion_bottleneck.conv.in_channels == 4 * 256
    assert h.fusion_bottleneck.conv.kernel_size == (3, 3)
    # embeddings 1024*256 + 4*256; ASPP 1x1 branch 1024*256 + BN 512;
    # three separable branches (1024*9 + BN 2048 + 1024*256 + BN 512);
    # bottleneck 1024*256*9 + BN 512; classifier 256*19 + 19
    expected = (1024 * 256 + 4 * 256) + (
        1024 * 256 + 512) + 3 * (1024 * 9 + 2048 + 1024 * 256 + 512) + (
            1024 * 256 * 9 + 512) + (256 * 19 + 19)
    assert sum(p.numel() for p in h.parameters()) == expected == 3712275
    out = h(mit_features())
    assert out.shape == (2, 19, 32, 32)  # the first level's size (1/4)


def test_embedding_is_the_official_linear_layer():
    h = head()
    x = mit_features()[2]
    conv = h.embed_layers[2]
    w, b = conv.weight[:, :, 0, 0], conv.bias
    # official MLP: x.flatten(2).transpose(1, 2) -> nn.Linear -> back
    tokens = x.flatten(2).transpose(1, 2)
    linear = (tokens @ w.t() + b).transpose(1, 2).reshape(2, 256, *x.shape[2:])
    assert torch.allclose(conv(x), linear, atol=1e-5)


def test_forward_recomputed_by_hand():
    h = head(
        fusion='conv',
        embed_dims=8,
        channels=6,
        fusion_kernel_size=1,
        in_channels=[4, 6, 8, 10],
        num_classes=3)
    h.eval()
    feats = mit_features(n=1, size=16, channels=[4, 6, 8, 10])
    size = feats[0].shape[2:]
    emb = [
        F.interpolate(e(f), size=size, mode='bilinear', align_corners=False)
        for e, f in zip(h.embed_layers, feats)
    ]
    fuse = h.fusion_conv
    x = torch.cat(emb, 1)
    x = F.relu(
        F.batch_norm(
            fuse.conv(x), fuse.bn.running_mean, fuse.bn.running_var,
            fuse.bn.weight, fuse.bn.bias, False, 0., fuse.bn.eps))
    expected = h.conv_seg(x)
    assert torch.allclose(h(feats), expected, atol=1e-5)


def test_segformer_decoder_of_the_ablations_and_bad_input():
    # SegFormer's decoder in DAFormer's ablations: 768-d embeddings and a
    # 1x1 fusion conv
    h = head(fusion='conv', embed_dims=768, channels=768)
    assert h.fusion_conv.conv.in_channels == 4 * 768
    assert h(mit_features()).shape == (2, 19, 32, 32)
    with pytest.raises(ValueError, match='align_corners'):
        head(align_corners=True)
    with pytest.raises(ValueError, match='fusion'):
        head(fusion='isa')
    with pytest.raises(ValueError, match='embed_dims'):
        head(embed_dims=[256, 256])

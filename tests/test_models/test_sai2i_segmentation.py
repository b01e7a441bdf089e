"""SAI2I (the segmentation stage): one training step against Eq. (7)-(11)
of Musto & Zinelli written out with BDL's conventions (source CE, target
pseudo-label CE, output-space adversarial loss, discriminator on both
domains), and its input checks."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from udaplug.registry import MODELS

NUM_CLASSES = 4


def tiny_sai2i(repo_root, lambda_adv=0.001, lambda_ssl=1.0):
    cfg = Config.fromfile(
        f'{repo_root}/configs/_base_/models/sai2i_deeplabv2_r101.py').model
    cfg.segmentor.backbone.depth = 18
    cfg.segmentor.decode_head.update(in_channels=512, num_classes=NUM_CLASSES)
    cfg.discriminators.disc_out.update(
        in_channels=NUM_CLASSES, channels=(4, 4, 4, 4))
    cfg.adversarial_levels.seg.loss_weight = lambda_adv
    cfg.ssl_loss_weight = lambda_ssl
    torch.manual_seed(0)
    return MODELS.build(cfg).eval()


def sample(size, seed, labelled=True, path='x.png'):
    s = SegDataSample()
    s.set_metainfo(dict(img_shape=size, ori_shape=size, img_path=path))
    if labelled:
        gen = torch.Generator().manual_seed(seed)
        lab = torch.randint(0, NUM_CLASSES, (1, *size), generator=gen)
        lab[:, :8] = 255  # pixels below the confidence threshold
        s.gt_sem_seg = PixelData(data=lab)
    return s


def batch(target_labels=True):
    gen = torch.Generator().manual_seed(0)
    size = (64, 64)
    return dict(
        source=dict(
            inputs=[torch.rand(3, *size, generator=gen) * 255],
            data_samples=[sample(size, 1)]),
        target=dict(
            inputs=[torch.rand(3, *size, generator=gen) * 255],
            data_samples=[
                sample(size, 2, labelled=target_labels, path='city/t.png')
            ]))


def sgd(model):
    return OptimWrapperDict(
        segmentor=OptimWrapper(
            torch.optim.SGD(
                [p for p in model.segmentor.parameters() if p.requires_grad],
                lr=1.0)),
        disc_out=OptimWrapper(
            torch.optim.SGD(model.disc_out.parameters(), lr=1.0)))


def ce(logits, labels):
    return F.cross_entropy(logits, labels, ignore_index=255)


def reference(model, data, lambda_adv, lambda_ssl):
    model = copy.deepcopy(model)
    pre = model.data_preprocessor(data, True)
    seg, disc = model.segmentor, model.disc_out

    def logits_of(d):
        x = pre[d]['inputs']
        out = seg(x, mode='outputs')['seg']
        return F.interpolate(
            out, size=x.shape[2:], mode='bilinear', align_corners=True)

    labels = {
        d: pre[d]['data_samples'][0].gt_sem_seg.data
        for d in ('source', 'target')
    }
    src, tgt = logits_of('source'), logits_of('target')
    l_seg = ce(src, labels['source'])
    l_ssl = ce(tgt, labels['target'])
    d_tgt = disc(F.softmax(tgt, 1))  # Eq. 11: target pushed to "source" (0)
    l_adv = F.binary_cross_entropy_with_logits(d_tgt, torch.zeros_like(d_tgt))
    seg_params = [p for p in seg.parameters() if p.requires_grad]
    seg_grads = torch.autograd.grad(
        l_seg + lambda_ssl * l_ssl + lambda_adv * l_adv,
        seg_params,
        retain_graph=True)
    d_src = disc(F.softmax(src.detach(), 1))
    d_tgt = disc(F.softmax(tgt.detach(), 1))
    l_d = 0.5 * F.binary_cross_entropy_with_logits(
        d_src, torch.zeros_like(d_src)) + 0.5 * \
        F.binary_cross_entropy_with_logits(d_tgt, torch.ones_like(d_tgt))
    disc_grads = torch.autograd.grad(l_d, list(disc.parameters()))
    return dict(
        seg=float(l_seg), ssl=float(l_ssl),
        adv=float(l_adv)), seg_grads, disc_grads


@pytest.mark.parametrize('lambda_adv,lambda_ssl', [(0.001, 1.0), (0.0001, 1.0),
                                                   (0.001, 0.5)])
def test_train_step_is_eq7_to_eq11(repo_root, lambda_adv, lambda_ssl):
    model = tiny_sai2i(repo_root, lambda_adv, lambda_ssl)
    data = batch()
    terms, seg_grads, disc_grads = reference(model, data, lambda_adv,
                                             lambda_ssl)
    seg_before = [
        p.detach().clone() for p in model.segmentor.parameters()
        if p.requires_grad
    ]
    disc_before = [p.detach().clone() for p in model.disc_out.parameters()]
    log_vars = model.train_step(data, sgd(model))
    assert float(log_vars['decode.loss_ce']) == pytest.approx(
        terms['seg'], rel=1e-5)
    assert float(log_vars['ssl.decode.loss_ce']) == pytest.approx(
        lambda_ssl * terms['ssl'], rel=1e-5)
    assert float(log_vars['loss_adv_seg']) == pytest.approx(
        lambda_adv * terms['adv'], rel=1e-5)
    seg_after = [p for p in model.segmentor.parameters() if p.requires_grad]
    for b, a, g in zip(seg_before, seg_after, seg_grads):
        torch.testing.assert_close(b - a.detach(), g, rtol=1e-3, atol=1e-7)
    for b, a, g in zip(disc_before, model.disc_out.parameters(), disc_grads):
        torch.testing.assert_close(b - a.detach(), g, rtol=1e-3, atol=1e-7)


def test_target_without_pseudo_labels_is_refused(repo_root):
    model = tiny_sai2i(repo_root)
    with pytest.raises(KeyError, match='city/t.png has no pseudo-labels'):
        model.train_step(batch(target_labels=False), sgd(model))


def test_fcn8s_model_config(repo_root):
    cfg = Config.fromfile(
        f'{repo_root}/configs/_base_/models/sai2i_fcn8s_vgg16.py').model
    assert cfg.adversarial_levels.seg.loss_weight == 1e-4  # Sec. 3.4
    assert cfg.segmentor.decode_head.type == 'FCN8sHead'
    assert cfg.segmentor.backbone.caffe_padding == 100
    deeplab = Config.fromfile(
        f'{repo_root}/configs/_base_/models/sai2i_deeplabv2_r101.py').model
    assert deeplab.adversarial_levels.seg.loss_weight == 1e-3
    # BDL's classifier sums all four ASPP branches
    assert deeplab.segmentor.decode_head.num_summed_branches is None
    model = copy.deepcopy(cfg)
    model.segmentor.backbone.update(base_channels=4, fc_channels=8)
    model.segmentor.decode_head.update(
        in_channels=(16, 32, 8), num_classes=NUM_CLASSES)
    model.discriminators.disc_out.update(
        in_channels=NUM_CLASSES, channels=(4, 4, 4, 4))
    net = MODELS.build(model).eval()
    log_vars = net.train_step(batch(), sgd(net))
    assert set(log_vars) >= {
        'decode.loss_ce', 'ssl.decode.loss_ce', 'loss_adv_seg'
    }

"""AdaptSegNet's train_step against a hand-written reference of the paper's
Eq. (2)-(5) with the official code's conventions
(wasidennis/AdaptSegNet, train_gta2cityscapes_multi.py):

- segmentation network: sum_i lambda_seg^i CE(up(P_s^i), Y_s) (Eq. 3, 5)
  + sum_i lambda_adv^i BCE(D_i(softmax(up(P_t^i))), source_label) (Eq. 4, 5:
  target outputs pushed towards "source"), discriminators frozen;
- each discriminator: (BCE(D_i(P_s^i), 0) + BCE(D_i(P_t^i), 1)) / 2 on the
  detached softmax outputs (Eq. 2; source label 0, target label 1);
- LS-GAN (appendix A, Eq. 7/8): the same with MSE instead of BCE;
- up(): bilinear upsampling to the input size (align_corners=True), the
  discriminators see the softmax of the upsampled outputs;
- one step of every optimizer (SGD with 10x lr on the classifiers, Adam for
  the discriminators).

The weights below are the paper's / official README's, not read from the
configs: a config whose numbers differ fails here.
"""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from udaplug.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

C = 4  # classes of the tiny models
SOURCE_LABEL, TARGET_LABEL = 0.0, 1.0  # official source_label / target_label

# config -> (gan type, output level -> (discriminator, lambda_seg,
# lambda_adv)); 'seg' is the conv5 (layer4) classifier, 'aux' the conv4 one.
SETTINGS = {
    # Sec. 6.1, Table 1 multi-level: lambda_seg^1 = 1, lambda_adv^1 = 0.001,
    # lambda_seg^2 = 0.1, lambda_adv^2 = 0.0002
    'adaptsegnet_gta.py': ('vanilla', {
        'seg': ('disc_main', 1.0, 0.001),
        'aux': ('disc_aux', 0.1, 0.0002)
    }),
    # Table 1 single-level: official README --lambda-seg 0.0
    # --lambda-adv-target1 0.0 --lambda-adv-target2 0.001
    'adaptsegnet_gta_single.py': ('vanilla', {
        'seg': ('disc_main', 1.0, 0.001)
    }),
    # Appendix A / Table 7 LS-GAN: --lambda-adv-target2 0.01 --gan LS
    'adaptsegnet_gta_lsgan.py': ('lsgan', {
        'seg': ('disc_main', 1.0, 0.01)
    }),
}


def _tiny_cfg(config: str, repo_root: str) -> Config:
    """The config's model and optimizers, with a narrow ResNet-18
    DeepLab-v2, narrow discriminators and ``C`` classes."""
    cfg = Config.fromfile(f'{repo_root}/configs/{config}')
    seg = cfg.model.segmentor
    seg.backbone.update(depth=18, stem_channels=8, base_channels=8)
    seg.decode_head.update(in_channels=64, num_classes=C)
    if seg.get('auxiliary_head'):
        seg.auxiliary_head.update(in_channels=32, num_classes=C)
    for disc in cfg.model.discriminators.values():
        disc.update(in_channels=C, channels=(8, 8, 8, 8))
    return cfg


def _sample(h, w, seed, labelled=True):
    sample = SegDataSample()
    if labelled:
        gen = torch.Generator().manual_seed(seed)
        label = torch.randint(0, C, (1, h, w), generator=gen)
        label[:, :3, :5] = 255  # ignored pixels
        sample.gt_sem_seg = PixelData(data=label)
    sample.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w)))
    return sample


def _batch(source_hw=(64, 64), target_hw=(48, 80), n=2):
    """A paired batch as UDADataset + pseudo_collate produce it (BGR
    images, 0-255)."""
    gen = torch.Generator().manual_seed(0)
    return dict(
        source=dict(
            inputs=[
                torch.rand(3, *source_hw, generator=gen) * 255
                for _ in range(n)
            ],
            data_samples=[_sample(*source_hw, seed=i) for i in range(n)]),
        target=dict(
            inputs=[
                torch.rand(3, *target_hw, generator=gen) * 255
                for _ in range(n)
            ],
            data_samples=[
                _sample(*target_hw, seed=0, labelled=False) for _ in range(n)
            ]))


def _optim_wrappers(cfg, model):
    optim_cfg = copy.deepcopy(cfg.optim_wrapper.to_dict())
    constructor = optim_cfg.pop('constructor')
    return OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type=constructor, optim_wrapper_cfg=optim_cfg))(
            model)


def _record_gradients_at_step(wrappers):
    """Each wrapper keeps the gradients its optimizer steps with."""
    recorded = {}
    for name, wrapper in wrappers.items():

        def step(original=wrapper.step, name=name, wrapper=wrapper, **kw):
            recorded[name] = [
                None if p.grad is None else p.grad.detach().clone()
                for group in wrapper.optimizer.param_groups
                for p in group['params']
            ]
            original(**kw)

        wrapper.step = step
    return recorded


def _adv(gan_type, out, label):
    if gan_type == 'vanilla':  # nn.BCEWithLogitsLoss()
        return F.binary_cross_entropy_with_logits(out,
                                                  torch.full_like(out, label))
    return F.mse_loss(out, torch.full_like(out, label))  # nn.MSELoss()


def _reference_gradients(model, batch, gan_type, levels):
    """Gradients of every network's objective, written out from the paper
    (see the module docstring), for the parameters each optimizer owns."""
    model = copy.deepcopy(model)
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    xs, xt = data['source']['inputs'], data['target']['inputs']
    ys = torch.cat([s.gt_sem_seg.data for s in data['source']['data_samples']])
    seg = model.segmentor
    heads = {
        'seg': seg.decode_head,
        'aux': getattr(seg, 'auxiliary_head', None)
    }

    def outputs(x):
        feats = seg.extract_feat(x)
        return {level: heads[level](feats) for level in levels}

    def up(logits, size):  # nn.Upsample(bilinear, align_corners=True)
        return F.interpolate(
            logits, size=size, mode='bilinear', align_corners=True)

    seg_params = [p for p in seg.parameters() if p.requires_grad]
    src = outputs(xs)
    tgt = outputs(xt)
    loss_g = 0
    for level, (disc, lambda_seg, lambda_adv) in levels.items():
        # Eq. (3): pixel-wise cross-entropy over the labelled pixels
        loss_g = loss_g + lambda_seg * F.cross_entropy(
            up(src[level], ys.shape[1:]), ys, ignore_index=255)
        # Eq. (4): target prediction labelled as source for D_i
        prob_t = F.softmax(up(tgt[level], xt.shape[2:]), dim=1)
        loss_g = loss_g + lambda_adv * _adv(gan_type,
                                            getattr(model, disc)
                                            (prob_t), SOURCE_LABEL)
    grads = {'segmentor': torch.autograd.grad(loss_g, seg_params)}
    for level, (disc, _, _) in levels.items():
        net = getattr(model, disc)
        prob_s = F.softmax(up(src[level], xs.shape[2:]), dim=1).detach()
        prob_t = F.softmax(up(tgt[level], xt.shape[2:]), dim=1).detach()
        # Eq. (2): source label 0, target label 1, each term halved
        loss_d = (_adv(gan_type, net(prob_s), SOURCE_LABEL) +
                  _adv(gan_type, net(prob_t), TARGET_LABEL)) / 2
        grads[disc] = torch.autograd.grad(loss_d, list(net.parameters()))
    return grads


def _by_param(wrappers, recorded):
    """Recorded gradients keyed by parameter identity."""
    out = {}
    for name, wrapper in wrappers.items():
        params = [
            p for group in wrapper.optimizer.param_groups
            for p in group['params']
        ]
        out.update({id(p): g for p, g in zip(params, recorded[name])})
    return out


def _assert_close(got, expected, what):
    # relative to the tensor's largest entry: the adversarial part of the
    # segmentor's gradient is 1e-3 of the supervised one
    scale = expected.abs().max().clamp(min=1e-30)
    torch.testing.assert_close(
        got / scale,
        expected / scale,
        rtol=1e-5,
        atol=1e-6,
        msg=lambda detail: f'{what}: {detail}')


@pytest.mark.parametrize('config', list(SETTINGS))
def test_train_step_matches_reference(config, repo_root):
    """After one train_step every network holds exactly the gradient of its
    side of Eq. (5)/(2) (recorded when its optimizer steps) and every
    parameter moved by the official optimizers' step on that gradient."""
    gan_type, levels = SETTINGS[config]
    cfg = _tiny_cfg(config, repo_root)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    batch = _batch()
    expected = _reference_gradients(model, batch, gan_type, levels)
    before = copy.deepcopy(model)

    wrappers = _optim_wrappers(cfg, model)
    assert set(
        wrappers.keys()) == {'segmentor', *[d for d, _, _ in levels.values()]}
    recorded = _record_gradients_at_step(wrappers)
    model.train_step(copy.deepcopy(batch), wrappers)
    assert set(recorded) == set(wrappers.keys()), 'an optimizer did not step'
    got = _by_param(wrappers, recorded)

    nets = {'segmentor': model.segmentor}
    nets.update({d: getattr(model, d) for d, _, _ in levels.values()})
    for name, net in nets.items():
        params = [p for p in net.parameters() if p.requires_grad] \
            if name == 'segmentor' else list(net.parameters())
        assert len(params) == len(expected[name])
        for p, ref in zip(params, expected[name]):
            g = got[id(p)]
            assert g is not None, f'{name}: a parameter got no gradient'
            _assert_close(g, ref, f'{name} gradient')
        # nothing else: frozen parameters get no gradient
        for p in net.parameters():
            if not p.requires_grad:
                assert p.grad is None or not p.grad.any()

    # the updates: the same optimizers stepping once on the reference
    # gradients, from the same weights
    ref_wrappers = _optim_wrappers(cfg, before)
    ref_nets = {'segmentor': before.segmentor}
    ref_nets.update({d: getattr(before, d) for d, _, _ in levels.values()})
    initial = {
        name: {
            k: p.detach().clone()
            for k, p in net.named_parameters()
        }
        for name, net in ref_nets.items()
    }
    for name, net in ref_nets.items():
        params = [p for p in net.parameters() if p.requires_grad]
        for p, ref in zip(params, expected[name]):
            p.grad = ref.clone()
    for wrapper in ref_wrappers.values():
        wrapper.step()
    for name, net in nets.items():
        reference = dict(ref_nets[name].named_parameters())
        for key, p in net.named_parameters():
            start = initial[name][key]
            update = p.detach() - start
            if not p.requires_grad:
                assert not update.any(), f'frozen {name}.{key} moved'
                continue
            _assert_close(update, reference[key].detach() - start,
                          f'{name}.{key}: update')

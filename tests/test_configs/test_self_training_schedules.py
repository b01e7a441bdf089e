"""The learning-rate schedules of the DACS / DAFormer configs against the
official mmcv formulas, and the encoder/decoder lr ratio."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim.scheduler import LinearLR, PolyLR  # noqa: F401

from udaplug.registry import PARAM_SCHEDULERS

SCHEDULES = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    '_base_', 'schedules')


def lrs_of(schedulers_cfg, base_lrs, iters):
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in base_lrs]
    opt = torch.optim.SGD(
        [dict(params=[p], lr=lr) for p, lr in zip(params, base_lrs)],
        lr=base_lrs[0])
    schedulers = [
        PARAM_SCHEDULERS.build(dict(cfg, optimizer=opt))
        for cfg in schedulers_cfg
    ]
    out = []
    for _ in range(iters):
        out.append([g['lr'] for g in opt.param_groups])
        opt.step()
        for s in schedulers:
            s.step()
    return out


def mmcv_poly_warmup(base, it, max_iters, power, min_lr, warmup_iters, ratio):
    """mmcv 1.x PolyLrUpdaterHook with linear warm-up (what DAFormer ran)."""
    regular = (base - min_lr) * (1 - it / max_iters)**power + min_lr
    if warmup_iters and it < warmup_iters:
        k = (1 - it / warmup_iters) * (1 - ratio)
        return regular * (1 - k)
    return regular


def test_daformer_warmup_then_linear_decay():
    cfg = Config.fromfile(osp.join(SCHEDULES, 'daformer_adamw_warmup.py'))
    assert cfg.max_iters == 40000 and cfg.warmup_iters == 1500
    # shorten the schedule 100x to step through it quickly
    scheds = []
    for s in cfg.param_scheduler:
        s = dict(s)
        s['end'] = (s['end'] - 1) // 100 + 1
        scheds.append(s)
    iters = 400
    got = lrs_of(scheds, [6e-5, 6e-4], iters)
    for it in (0, 1, 7, 14, 15, 16, 200, 399):
        for g, base in enumerate((6e-5, 6e-4)):
            expected = mmcv_poly_warmup(base, it, 400, 1.0, 0.0, 15, 1e-6)
            assert got[it][g] == pytest.approx(expected, rel=1e-6), (it, g)
    # decoder at 10x the encoder's lr throughout
    assert all(d == pytest.approx(10 * e) for e, d in got)


def test_daformer_optimizer_and_paramwise_settings():
    cfg = Config.fromfile(osp.join(SCHEDULES, 'daformer_adamw_warmup.py'))
    opt = cfg.optim_wrapper.segmentor.optimizer
    assert (opt.type, opt.lr, opt.betas, opt.weight_decay) == \
        ('AdamW', 6e-5, (0.9, 0.999), 0.01)
    keys = cfg.optim_wrapper.segmentor.paramwise_cfg.custom_keys
    assert keys['head'] == dict(lr_mult=10.0)
    assert keys['norm'] == dict(decay_mult=0.0)


def test_dacs_poly():
    cfg = Config.fromfile(osp.join(SCHEDULES, 'dacs_sgd_poly.py'))
    sgd = cfg.optim_wrapper.segmentor
    assert (sgd.optimizer.type, sgd.optimizer.lr, sgd.optimizer.momentum,
            sgd.optimizer.weight_decay) == ('SGD', 2.5e-4, 0.9, 5e-4)
    assert sgd.paramwise_cfg.custom_keys.decode_head.lr_mult == 10.0
    assert cfg.param_scheduler[0].end == 250001
    s = dict(cfg.param_scheduler[0], end=251)
    got = lrs_of([s], [2.5e-4], 250)
    for it in (0, 10, 125, 249):
        # lr_poly(base_lr, i, num_iterations, 0.9) of trainUDA.py
        assert got[it][0] == pytest.approx(
            2.5e-4 * (1 - it / 250)**0.9, rel=1e-6)

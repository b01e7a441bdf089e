"""UDAOptimWrapperConstructor: one default plus per-network overrides and
groups; per-optimizer parameter schedules with a default."""
import copy

import pytest
import torch
from mmengine.config import Config

from udaplug.apis import expand_param_scheduler
from udaplug.engine.optimizers import plan_optimizers
from udaplug.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

C = 4
ADAM = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4))


@pytest.fixture
def model_with_generators(tiny_adaptsegnet_cfg):
    """A tiny AdaptSegNet with two generators and a mean teacher."""
    cfg = copy.deepcopy(tiny_adaptsegnet_cfg(C).model)
    gen = dict(
        type='ResnetTransformGenerator',
        in_channels=3,
        base_channels=4,
        num_blocks=1)
    cfg.generators = dict(gen_st=gen, gen_ts=gen)
    cfg.networks = dict(teacher=dict(role='ema', ema_of='segmentor'))
    return MODELS.build(cfg)


def construct(model, **cfg):
    return OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='UDAOptimWrapperConstructor', optim_wrapper_cfg=cfg))(
            model)


def params_of(wrapper):
    return {
        id(p)
        for group in wrapper.optimizer.param_groups
        for p in group['params']
    }


def test_default_overrides_merges_and_groups(model_with_generators):
    model = model_with_generators
    optim = construct(
        model,
        default=ADAM,
        segmentor=dict(
            optimizer=dict(type='SGD', lr=0.01, momentum=0.9),
            paramwise_cfg=dict(custom_keys={'decode_head': dict(
                lr_mult=10.0)})),
        disc_aux=dict(optimizer=dict(lr=1e-4, betas=(0.9, 0.99))),
        generators=dict(networks=['gen_st', 'gen_ts']))
    assert set(
        optim.keys()) == {'segmentor', 'disc_main', 'disc_aux', 'generators'}
    seg = optim['segmentor'].optimizer
    assert isinstance(seg, torch.optim.SGD)
    head = {id(p) for p in model.segmentor.decode_head.parameters()}
    lrs = {
        group['lr']
        for group in seg.param_groups if any(
            id(p) in head for p in group['params'])
    }
    assert lrs == {0.1}  # the 10x paramwise setting
    # merged into the default: Adam, own lr and betas
    aux = optim['disc_aux'].optimizer
    assert isinstance(aux, torch.optim.Adam)
    assert aux.param_groups[0]['lr'] == 1e-4
    assert aux.param_groups[0]['betas'] == (0.9, 0.99)
    main = optim['disc_main'].optimizer
    assert main.param_groups[0]['lr'] == 2e-4
    # the group: one Adam over both generators, found by network name
    gens = optim['generators']
    assert params_of(gens) == {
        id(p)
        for name in ('gen_st', 'gen_ts')
        for p in getattr(model, name).parameters()
    }
    assert model.optimizer_of(optim, 'gen_ts') is gens
    assert model.optimizer_of(optim, 'disc_main') is optim['disc_main']
    # parameters of each network only in its own optimizer
    assert params_of(
        optim['disc_main']) == {id(p)
                                for p in model.disc_main.parameters()}


@pytest.mark.parametrize('cfg, match', [
    (dict(default=ADAM, teacher=ADAM), '"teacher" is not a trainable'),
    (dict(default=ADAM, disc_x=ADAM), '"disc_x" is not a trainable'),
    (dict(segmentor=ADAM), 'trainable network "gen_st" has no'),
    (dict(default=ADAM,
          g=dict(networks=['gen_st', 'gen_st2'])), 'group "g": "gen_st2"'),
    (dict(default=ADAM, gen_st=ADAM,
          g=dict(networks=['gen_st', 'gen_ts'])), 'two optimizers'),
    (dict(segmentor=dict(optimizer=dict(lr=1.0)),
          disc_main=ADAM), 'no optimizer type and there is no'),
])
def test_errors_name_the_entry(cfg, match, model_with_generators):
    model = model_with_generators
    with pytest.raises(ValueError, match=match):
        construct(model, **cfg)


def test_param_scheduler_default_is_expanded():
    cfg = Config(
        dict(
            model=dict(
                segmentor=dict(type='X'),
                generators=dict(g=dict(type='G')),
                discriminators=dict(
                    d=dict(type='D'), d_old=dict(type='D', role='frozen')),
                networks=dict(t=dict(role='ema', ema_of='segmentor'))),
            optim_wrapper=dict(
                constructor='UDAOptimWrapperConstructor', default=ADAM),
            param_scheduler=dict(
                default=[dict(type='ConstantLR', factor=1.0)],
                segmentor=[dict(type='PolyLR', power=0.9)])))
    expand_param_scheduler(cfg)
    assert set(cfg.param_scheduler) == {'segmentor', 'g', 'd'}
    assert cfg.param_scheduler['segmentor'][0]['type'] == 'PolyLR'
    assert cfg.param_scheduler['g'][0]['type'] == 'ConstantLR'
    cfg.param_scheduler = dict(default=[], nope=[])
    with pytest.raises(ValueError, match="'nope'"):
        expand_param_scheduler(cfg)


def test_plan_lists_every_trainable_network_once():
    plan = plan_optimizers(['segmentor', 'a', 'b', 'c'],
                           dict(default=ADAM, grp=dict(networks=['a', 'c'])))
    assert {
        k: v[0]
        for k, v in plan.items()
    } == {
        'grp': ['a', 'c'],
        'segmentor': ['segmentor'],
        'b': ['b']
    }


def test_refuses_a_model_that_is_not_a_uda_model(model_with_generators):
    """The constructor plans optimizers from BaseUDASegmentor's declared
    trainable networks; a plain mmseg segmentor is refused, naming what it
    got, even one that has an attribute of the interface's name."""
    plain = model_with_generators.network('segmentor', wrapped=False)
    with pytest.raises(
            TypeError,
            match=r'for udaplug UDA models \(BaseUDASegmentor\), got '
            f'{type(plain).__name__}'):
        construct(plain, default=ADAM)
    # the interface is the base class, not an attribute of the same name
    plain.trainable_names = ('segmentor', )
    with pytest.raises(TypeError, match=r'\(BaseUDASegmentor\), got '):
        construct(plain, default=ADAM)
    names = set(construct(model_with_generators, default=ADAM).keys())
    assert names == set(model_with_generators.trainable_names)
    assert {'segmentor', 'gen_st', 'gen_ts'} <= names

"""GIO-Ada's ablation switches (paper Tables 1-3): what each one builds and
trains, and the errors for inconsistent settings."""
import pytest
import torch

from udaplug.models.uda import input_channels
from udaplug.registry import MODELS

C = 4


def _nonzero(grads):
    return any(g is not None and g.abs().sum() > 0 for g in grads)


def test_default_is_the_full_model(build_gioada):
    model = build_gioada(C)
    assert model.input_level and model.output_level
    assert model.transform_inputs == 'both'
    assert model.output_alignment == 'joint'
    assert model.generator_names == ['gen_img']
    assert sorted(model.discriminator_names) == ['disc_img', 'disc_output']
    assert input_channels(model.gen_img) == 3 + C + 1
    assert input_channels(model.disc_img) == 3
    assert input_channels(model.disc_output) == C + 1
    assert (model.input_loss_weight, model.output_loss_weight) == (0.1, 0.001)
    assert model.seg_model.decode_head.depth_loss_weight == 0.1


@pytest.mark.parametrize('transform, channels', [('none', 3), ('depth', 4),
                                                 ('semantics', 3 + C),
                                                 ('both', 3 + C + 1)])
def test_transform_inputs(transform, channels, build_gioada, gioada_batch,
                          optim_wrappers):
    model = build_gioada(
        C,
        transform_inputs=transform,
        output_level=False,
        output_alignment=None)
    assert model.generator_names == ['gen_img']
    assert model.discriminator_names == ['disc_img']
    assert input_channels(model.gen_img) == channels
    data = model.data_preprocessor(gioada_batch(C), True)
    src = data['source']
    gen_in = model.generator_input(src['inputs'], src['data_samples'])
    assert gen_in.shape[1] == channels
    if transform in ('depth', 'both'):
        torch.testing.assert_close(gen_in[0, -1],
                                   src['data_samples'][0].gt_depth_map.data[0])
    wrappers = optim_wrappers(model)
    log_vars = model.train_step(gioada_batch(C), wrappers)
    assert 'loss_adv_img' in log_vars and 'loss_adv_output' not in log_vars
    assert _nonzero(wrappers['gen_img'].recorded)


@pytest.mark.parametrize('alignment, discs', [
    ('joint', {
        'disc_output': C + 1
    }),
    ('semantic', {
        'disc_output': C
    }),
    ('depth', {
        'disc_output': 1
    }),
    ('separate', {
        'disc_output_seg': C,
        'disc_output_depth': 1
    }),
])
def test_output_alignment(alignment, discs, build_gioada, gioada_batch,
                          optim_wrappers):
    model = build_gioada(
        C,
        output_alignment=alignment,
        input_level=False,
        transform_inputs=None)
    assert model.generator_names == []
    assert sorted(model.discriminator_names) == sorted(discs)
    for name, channels in discs.items():
        assert input_channels(getattr(model, name)) == channels
    wrappers = optim_wrappers(model)
    log_vars = model.train_step(gioada_batch(C), wrappers)
    assert 'loss_adv_img' not in log_vars
    for name in discs:
        assert f'loss_adv_{name[5:]}' in log_vars
        assert f'{name}.loss_source' in log_vars
        assert _nonzero(wrappers[name].recorded)
    assert _nonzero(wrappers['segmentor'].recorded)


def test_output_level_only_uses_raw_source_images(build_gioada, gioada_batch,
                                                  optim_wrappers):
    model = build_gioada(C, input_level=False, transform_inputs=None)
    assert not hasattr(model, 'gen_img') and not hasattr(model, 'disc_img')
    model.train_step(gioada_batch(C), optim_wrappers(model))
    assert 'translated_image' not in model.visualization_outputs()


def test_non_adapted_baseline(build_gioada, gioada_batch, optim_wrappers):
    model = build_gioada(
        C,
        input_level=False,
        output_level=False,
        transform_inputs=None,
        output_alignment=None)
    assert model.generator_names == [] and model.discriminator_names == []
    log_vars = model.train_step(gioada_batch(C), optim_wrappers(model))
    assert set(log_vars) == {
        'decode.loss_ce', 'decode.acc_seg', 'decode.loss_depth'
    }


@pytest.mark.parametrize('switches, match', [
    (dict(input_level=False, transform_inputs='depth'),
     'transform_inputs.*needs input_level=True'),
    (dict(output_level=False, output_alignment='joint'),
     'output_alignment.*needs output_level=True'),
    (dict(transform_inputs='rgb'), 'transform_inputs must be one of'),
    (dict(output_alignment='both'), 'output_alignment must be one of'),
])
def test_inconsistent_switches(switches, match, tiny_gioada_cfg):
    cfg = tiny_gioada_cfg(C)
    cfg.update(switches)
    with pytest.raises(ValueError, match=match):
        MODELS.build(cfg)


def test_missing_and_unused_networks_are_named(tiny_gioada_cfg):
    cfg = tiny_gioada_cfg(C)
    del cfg['discriminators']['disc_output']
    with pytest.raises(ValueError, match=r"missing: \['disc_output'\]"):
        MODELS.build(cfg)
    cfg = tiny_gioada_cfg(C, output_alignment='separate')
    cfg['output_alignment'] = 'joint'
    with pytest.raises(ValueError, match='not used'):
        MODELS.build(cfg)
    cfg = tiny_gioada_cfg(C, input_level=False, transform_inputs=None)
    cfg['generators'] = tiny_gioada_cfg(C)['generators']
    with pytest.raises(ValueError, match=r"not used: \['gen_img'\]"):
        MODELS.build(cfg)


@pytest.mark.parametrize('network, key, value, match', [
    ('generators', 'gen_img', dict(in_channels=3),
     r'gen_img takes in_channels=3.*one-hot semantics.*set in_channels=8'),
    ('generators', 'gen_img', dict(out_channels=4), 'out_channels=3'),
    ('discriminators', 'disc_output', dict(in_channels=C),
     r'disc_output takes in_channels=4.*set in_channels=5'),
    ('discriminators', 'disc_img', dict(in_channels=4),
     'disc_img takes in_channels=4'),
])
def test_channel_mismatch(network, key, value, match, tiny_gioada_cfg):
    cfg = tiny_gioada_cfg(C)
    cfg[network][key].update(value)
    with pytest.raises(ValueError, match=match):
        MODELS.build(cfg)


def test_depth_alignment_needs_a_depth_head(build_gioada, gioada_batch,
                                            optim_wrappers, tiny_gioada_cfg):
    cfg = tiny_gioada_cfg(C)
    cfg['segmentor']['decode_head'] = dict(
        type='DeepLabV2Head', in_channels=16, num_classes=C)
    with pytest.raises(ValueError, match='predicts no depth'):
        MODELS.build(cfg)
    # semantic-only alignment does not need predicted depth
    cfg = tiny_gioada_cfg(
        C, output_alignment='semantic', transform_inputs='semantics')
    cfg['segmentor']['decode_head'] = dict(
        type='DeepLabV2Head', in_channels=16, num_classes=C)
    model = MODELS.build(cfg)
    assert model.required_source_keys == ('gt_sem_seg', )
    model.train_step(gioada_batch(C, depth=False), optim_wrappers(model))
    assert 'depth_pred' not in model.visualization_outputs()
    assert build_gioada(C).required_source_keys == ('gt_sem_seg',
                                                    'gt_depth_map')

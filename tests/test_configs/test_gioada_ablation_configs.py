"""Every GIO-Ada ablation config (paper Tables 1-3) builds what its row
needs and trains one iteration on tiny Virtual KITTI / KITTI data: the
non-adapted and input-level rows here, the output-level rows in
test_gioada_ablation_configs_output.py."""
import os.path as osp

import pytest
from gioada_helpers import (REPO_ROOT, one_iteration_cfg, train_step_from_cfg,
                            write_kitti, write_vkitti)
from mmengine.config import Config

from udaplug.apis import trainable_networks
from udaplug.engine.optimizers import plan_optimizers
from udaplug.models.uda import input_channels

C = 10
ABLATIONS = {
    # file suffix: (input_level, output_level, transform_inputs,
    #               output_alignment, {network: input channels})
    'non_adapt': (False, False, None, None, {}),
    'input_only': (True, False, 'both', None, {
        'gen_img': 3 + C + 1,
        'disc_img': 3
    }),
    'output_only': (False, True, None, 'joint', {
        'disc_output': C + 1
    }),
    'transform_none': (True, False, 'none', None, {
        'gen_img': 3,
        'disc_img': 3
    }),
    'transform_depth': (True, False, 'depth', None, {
        'gen_img': 4,
        'disc_img': 3
    }),
    'transform_sem': (True, False, 'semantics', None, {
        'gen_img': 3 + C,
        'disc_img': 3
    }),
    'align_sem': (False, True, None, 'semantic', {
        'disc_output': C
    }),
    'align_depth': (False, True, None, 'depth', {
        'disc_output': 1
    }),
    'align_separate': (False, True, None, 'separate', {
        'disc_output_seg': C,
        'disc_output_depth': 1
    }),
}


def _path(name):
    return osp.join(REPO_ROOT, 'configs', 'gioada_ablations',
                    f'gioada_vkitti2kitti_{name}.py')


INPUT_LEVEL_ROWS = ('non_adapt', 'input_only', 'transform_none',
                    'transform_depth', 'transform_sem')
OUTPUT_LEVEL_ROWS = ('output_only', 'align_sem', 'align_depth',
                     'align_separate')


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    root = tmp_path_factory.mktemp('data')
    kitti = write_kitti(str(root / 'kitti'))
    return dict(
        source=write_vkitti(str(root / 'vkitti')), target=kitti, val=kitti)


def test_every_ablation_config_is_covered():
    import glob
    found = {
        osp.basename(p)[len('gioada_vkitti2kitti_'):-3]
        for p in glob.glob(_path('*'))
    }
    assert found == set(ABLATIONS) == set(INPUT_LEVEL_ROWS + OUTPUT_LEVEL_ROWS)


def check_ablation_config(name, roots, tmp_path):
    input_level, output_level, transform, alignment, channels = \
        ABLATIONS[name]
    full = Config.fromfile(_path(name))
    # the full-size config asks for the channels of its row
    nets = {
        **(full.model.generators or {}),
        **(full.model.discriminators or {})
    }
    assert {k: v.in_channels for k, v in nets.items()} == channels
    plan = plan_optimizers(
        trainable_networks(full.model), {
            k: v
            for k, v in full.optim_wrapper.items() if k != 'constructor'
        })
    assert set(plan) == {'segmentor', *channels}
    cfg = one_iteration_cfg(full, str(tmp_path), roots, C)
    model, wrappers, log_vars = train_step_from_cfg(cfg)
    assert (model.input_level, model.output_level) == (input_level,
                                                       output_level)
    assert model.transform_inputs == transform
    assert model.output_alignment == alignment
    assert set(model.generator_names) | set(model.discriminator_names) == \
        set(channels)
    assert ('loss_adv_img' in log_vars) == input_level
    assert any(k.startswith('loss_adv_output')
               for k in log_vars) == output_level
    assert 'decode.loss_depth' in log_vars
    if transform is not None:  # shrunk model: 3 + extra channels
        extra = {'none': 0, 'depth': 1, 'semantics': C, 'both': C + 1}
        assert input_channels(model.gen_img) == 3 + extra[transform]


@pytest.mark.parametrize('name', INPUT_LEVEL_ROWS)
def test_ablation_config(name, roots, tmp_path):
    check_ablation_config(name, roots, tmp_path)

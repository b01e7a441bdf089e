"""Fixtures of the config tests: shrinking real configs for a CPU
iteration, tiny Virtual KITTI / KITTI data, running one iteration, and
the GIO-Ada ablation table (paper Tables 1-3) whose rows two test modules
share."""
import copy
import glob
import json
import os
import os.path as osp

import pytest
import torch

# --- the GIO-Ada ablation configs (configs/gioada_ablations) ---
ABLATION_CLASSES = 10
_C = ABLATION_CLASSES
#: file suffix -> (input_level, output_level, transform_inputs,
#: output_alignment, {network: input channels})
GIOADA_ABLATIONS = {
    'non_adapt': (False, False, None, None, {}),
    'input_only': (True, False, 'both', None, {
        'gen_img': 3 + _C + 1,
        'disc_img': 3
    }),
    'output_only': (False, True, None, 'joint', {
        'disc_output': _C + 1
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
        'gen_img': 3 + _C,
        'disc_img': 3
    }),
    'align_sem': (False, True, None, 'semantic', {
        'disc_output': _C
    }),
    'align_depth': (False, True, None, 'depth', {
        'disc_output': 1
    }),
    'align_separate': (False, True, None, 'separate', {
        'disc_output_seg': _C,
        'disc_output_depth': 1
    }),
}
# The rows are tested in two modules (each a few CPU minutes).
INPUT_LEVEL_ROWS = ('non_adapt', 'input_only', 'transform_none',
                    'transform_depth', 'transform_sem')
OUTPUT_LEVEL_ROWS = ('output_only', 'align_sem', 'align_depth',
                     'align_separate')


def pytest_generate_tests(metafunc):
    """A test asking for ``input_level_row`` / ``output_level_row`` runs
    once per row of that group."""
    for fixture, rows in (('input_level_row', INPUT_LEVEL_ROWS),
                          ('output_level_row', OUTPUT_LEVEL_ROWS)):
        if fixture in metafunc.fixturenames:
            metafunc.parametrize(fixture, rows)


@pytest.fixture(scope='session')
def gioada_ablations():
    """The ablation table: ``rows`` (file suffix -> expected switches and
    input channels), ``groups`` (the row names each test module runs),
    ``path(name)`` (the config file of a row)."""
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

    def path(name):
        return osp.join(repo, 'configs', 'gioada_ablations',
                        f'gioada_vkitti2kitti_{name}.py')

    return dict(
        rows=GIOADA_ABLATIONS,
        groups=dict(input=INPUT_LEVEL_ROWS, output=OUTPUT_LEVEL_ROWS),
        path=path)


@pytest.fixture(scope='module')
def ablation_roots(tmp_path_factory, write_vkitti, write_kitti):
    """Tiny Virtual KITTI (source) and KITTI (target, val) data roots."""
    root = tmp_path_factory.mktemp('data')
    kitti = write_kitti(str(root / 'kitti'))
    return dict(
        source=write_vkitti(str(root / 'vkitti')), target=kitti, val=kitti)


@pytest.fixture(scope='session')
def check_ablation_config(gioada_ablations, one_iteration_cfg,
                          train_step_from_cfg):
    """``check_ablation_config(name, roots, tmp_path)``: the full-size
    config of row ``name`` asks for the row's networks and channels; shrunk,
    it builds the row's model and one train_step logs the row's losses."""
    from mmengine.config import Config

    from udaplug.apis import trainable_networks
    from udaplug.engine.optimizers import plan_optimizers
    from udaplug.models.uda import input_channels

    def check_ablation_config(name, roots, tmp_path):
        input_level, output_level, transform, alignment, channels = \
            gioada_ablations['rows'][name]
        full = Config.fromfile(gioada_ablations['path'](name))
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
        cfg = one_iteration_cfg(full, str(tmp_path), roots, _C)
        model, wrappers, log_vars = train_step_from_cfg(cfg)
        assert (model.input_level, model.output_level) == (input_level,
                                                           output_level)
        assert model.transform_inputs == transform
        assert model.output_alignment == alignment
        assert set(model.generator_names) | set(model.discriminator_names) \
            == set(channels)
        assert ('loss_adv_img' in log_vars) == input_level
        assert any(k.startswith('loss_adv_output')
                   for k in log_vars) == output_level
        assert 'decode.loss_depth' in log_vars
        if transform is not None:  # shrunk model: 3 + extra channels
            extra = {'none': 0, 'depth': 1, 'semantics': _C, 'both': _C + 1}
            assert input_channels(model.gen_img) == 3 + extra[transform]

    return check_ablation_config


# --- shrinking a real config ---
@pytest.fixture(scope='session')
def shrink_for_cpu():
    """``shrink_for_cpu(cfg, data_roots, size=(128, 64), iters=1,
    work_dir=None)``: make a real config trainable for ``iters`` iterations
    on tiny data: ``data_roots`` maps the config's data roots to the
    test's, every Resize uses ``size``, no worker processes, batch size 1,
    no ``load_from``. Everything else (model, losses, optimizers) stays as
    configured."""

    def shrink_for_cpu(cfg,
                       data_roots: dict,
                       size=(128, 64),
                       iters: int = 1,
                       work_dir: str = None):
        from udaplug.apis import set_data_roots, visit_dataloaders

        def shrink(node):
            if node.get('type') == 'Resize':
                node['scale'] = tuple(size)
            if 'num_workers' in node:
                node.update(
                    num_workers=0, persistent_workers=False, batch_size=1)

        set_data_roots(cfg, data_roots)
        visit_dataloaders(cfg, shrink)
        cfg.load_from = None
        cfg.train_cfg.max_iters = iters
        cfg.train_cfg.val_interval = iters
        cfg.default_hooks.logger.interval = 1
        cfg.default_hooks.checkpoint.interval = iters
        if work_dir is not None:
            cfg.work_dir = work_dir
        return cfg

    return shrink_for_cpu


# --- tiny Virtual KITTI and KITTI data, converted ---
VKITTI_COLOURS = {  # category -> colour of the class image (any distinct)
    'Road': (100, 60, 100),
    'Building': (140, 140, 140),
    'Sky': (90, 200, 255),
    'Tree': (0, 199, 0),
    'Car': (200, 200, 0),
    'Pole': (255, 130, 0),
    'GuardRail': (250, 100, 255),
    'Truck': (160, 60, 60)
}


@pytest.fixture(scope='session')
def write_vkitti():
    """``write_vkitti(root, num=2, size=(64, 32), seed=0)``: Virtual KITTI
    1.3.1 layout (``vkitti_1.3.1_{rgb,scenegt,depthgt}/<world>/<variation>/
    <frame>.png`` and the world's colour table) with random classes, then
    the data layer's converter (``*_labelTrainIds.png``)."""

    def write_vkitti(root: str, num: int = 2, size=(64, 32), seed: int = 0):
        import cv2
        import numpy as np

        from udaplug.datasets.converters import convert_vkitti
        rng = np.random.default_rng(seed)
        w, h = size
        world, variation = '0001', 'clone'
        gt_dir = osp.join(root, 'vkitti_1.3.1_scenegt')
        for sub in ('vkitti_1.3.1_rgb', 'vkitti_1.3.1_scenegt',
                    'vkitti_1.3.1_depthgt'):
            os.makedirs(osp.join(root, sub, world, variation), exist_ok=True)
        with open(
                osp.join(gt_dir, f'{world}_{variation}_scenegt_rgb_encoding'
                         '.txt'), 'w') as f:
            f.write('Category(:id) r g b\n')
            for cat, (r, g, b) in VKITTI_COLOURS.items():
                f.write(f'{cat} {r} {g} {b}\n')
        colours = np.array(list(VKITTI_COLOURS.values()), dtype=np.uint8)
        for i in range(num):
            name = f'{i:05d}.png'
            cls = rng.integers(0, len(colours), (h, w))
            rgb = colours[cls]
            cv2.imwrite(
                osp.join(gt_dir, world, variation, name), rgb[..., ::-1])
            img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            cv2.imwrite(
                osp.join(root, 'vkitti_1.3.1_rgb', world, variation, name),
                img)
            depth = rng.integers(100, 65535, (h, w)).astype(np.uint16)
            cv2.imwrite(
                osp.join(root, 'vkitti_1.3.1_depthgt', world, variation, name),
                depth)
        report = convert_vkitti(root)
        assert report.exit_code == 0, report.format()
        return root

    return write_vkitti


@pytest.fixture(scope='session')
def write_kitti():
    """``write_kitti(root, num=2, size=(64, 32), seed=1)``: KITTI semantics
    layout (``training/image_2``, ``training/semantic`` with random
    Cityscapes label ids, ``testing/image_2``), then the converter."""

    def write_kitti(root: str, num: int = 2, size=(64, 32), seed: int = 1):
        import cv2
        import numpy as np

        from udaplug.datasets.converters import convert_kitti
        from udaplug.datasets.label_sets import CITYSCAPES_NAME_TO_ID
        rng = np.random.default_rng(seed)
        w, h = size
        ids = np.array([
            CITYSCAPES_NAME_TO_ID[n]
            for n in ('road', 'building', 'sky', 'car', 'vegetation', 'pole')
        ],
                       dtype=np.uint8)
        for split in ('training', 'testing'):
            os.makedirs(osp.join(root, split, 'image_2'), exist_ok=True)
        os.makedirs(osp.join(root, 'training', 'semantic'), exist_ok=True)
        for i in range(num):
            name = f'{i:06d}_10.png'
            for split in ('training', 'testing'):
                cv2.imwrite(
                    osp.join(root, split, 'image_2', name),
                    rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
            cv2.imwrite(
                osp.join(root, 'training', 'semantic', name),
                ids[rng.integers(0, len(ids), (h, w))])
        report = convert_kitti(root)
        assert report.exit_code == 0, report.format()
        return root

    return write_kitti


# --- running a config ---
@pytest.fixture(scope='session')
def run_one_iteration(load_tool):
    """``run_one_iteration(cfg, tmp_path)``: train ``cfg`` with
    tools/train.py; returns ``state_dict`` (of ``iter_1.pth``) and
    ``scalars`` (the logged scalars)."""

    def run_one_iteration(cfg, tmp_path) -> dict:
        path = osp.join(str(tmp_path), 'config.py')
        cfg.dump(path)
        load_tool('train.py').main([path, '--work-dir', cfg.work_dir])
        ckpt = torch.load(
            osp.join(cfg.work_dir, 'iter_1.pth'),
            map_location='cpu',
            weights_only=False)
        scalars = {}
        for file in glob.glob(
                osp.join(cfg.work_dir, '*', 'vis_data', 'scalars.json')):
            with open(file) as f:
                for line in f:
                    scalars.update(json.loads(line))
        return dict(state_dict=ckpt['state_dict'], scalars=scalars)

    return run_one_iteration


@pytest.fixture(scope='session')
def networks_of():
    """``networks_of(state_dict)``: the top-level network names in a
    GIO-Ada state dict."""

    def networks_of(state_dict: dict) -> set:
        return {k.split('.')[0] for k in state_dict} - {'data_preprocessor'}

    return networks_of


@pytest.fixture(scope='session')
def train_step_from_cfg():
    """``train_step_from_cfg(cfg)``: build ``cfg``'s model, optimizers and
    training set and run one ``train_step`` on its first batch (no
    runner); returns the model, the optimizer wrappers and the log
    variables."""

    def train_step_from_cfg(cfg):
        from mmengine.dataset import pseudo_collate

        from udaplug.registry import (DATASETS, MODELS,
                                      OPTIM_WRAPPER_CONSTRUCTORS)
        model = MODELS.build(cfg.model)
        model.init_weights()
        optim_cfg = copy.deepcopy(cfg.optim_wrapper.to_dict())
        constructor = optim_cfg.pop('constructor')
        wrappers = OPTIM_WRAPPER_CONSTRUCTORS.build(
            dict(type=constructor, optim_wrapper_cfg=optim_cfg))(
                model)
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
        batch = pseudo_collate([dataset[0]])
        log_vars = model.train_step(batch, wrappers)
        return model, wrappers, log_vars

    return train_step_from_cfg

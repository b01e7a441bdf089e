"""Fixtures shared by several test directories.

Helpers are fixtures: a test (or another fixture) names the helper as an
argument and gets the function, e.g. ``def test_x(load_tool):
load_tool('train.py')``. Helpers used by one directory only live in that
directory's ``conftest.py``. No test module imports another test module.

Sections: the repository and the demo pair; the command-line tools and
config files; tiny GIO-Ada models and batches; one-iteration GIO-Ada runs;
tiny datasets in their released on-disk formats.
"""
import copy
import importlib.util
import os
import os.path as osp
import shutil
import subprocess

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# CPU only, even with GPUs, unless UDAPLUG_TEST_CUDA=1: then the GPU tests in
# tests/test_cuda run (on a machine with a GPU; see tests/README.md).
if os.environ.get('UDAPLUG_TEST_CUDA') != '1':
    os.environ.setdefault('CUDA_VISIBLE_DEVICES', '')
# One PyTorch thread in the test process: the inputs are tiny, the results
# do not depend on the machine's core count, and no OpenMP worker threads
# exist when a test forks (tools/demo.py runs methods in forked processes;
# a child forked after the parent's OpenMP pool started can deadlock).
# Subprocesses get OMP_NUM_THREADS=1 from ``subprocess_env``.
torch.set_num_threads(1)


@pytest.fixture(scope='session', autouse=True)
def _register_modules():
    from udaplug.utils import register_all_modules
    register_all_modules(init_default_scope=True)


@pytest.fixture(autouse=True)
def _fresh_message_hub(request):
    """Each test starts with a message hub of its own: models read the
    iteration from the current hub (``MessageHub.get_current_instance()``),
    so a test that sets it must not change what the next test's model
    draws."""
    from mmengine.logging import MessageHub
    MessageHub.get_instance(f'udaplug-test:{request.node.nodeid}')


# --- the repository and the demo pair ---
@pytest.fixture(scope='session')
def repo_root():
    """The repository root (the tools and configs are found from it)."""
    return REPO_ROOT


@pytest.fixture(scope='session')
def repo_configs():
    """Every config file under ``configs/`` (``_base_`` pieces included),
    loaded once: ``{path relative to configs/: Config}``. Shared by the
    session: copy a config before changing it."""
    import glob
    folder = osp.join(REPO_ROOT, 'configs')
    return {
        osp.relpath(path, folder): Config.fromfile(path)
        for path in sorted(
            glob.glob(osp.join(folder, '**', '*.py'), recursive=True))
    }


@pytest.fixture(scope='session')
def subprocess_env():
    """``subprocess_env(*paths)``: the environment for a subprocess that
    runs this tree's tools: ``PYTHONPATH`` = the repository root, then
    ``paths``, then the inherited ``PYTHONPATH`` (so the subprocess imports
    this checkout's udaplug, not another installed copy); one OpenMP
    thread."""

    def subprocess_env(*paths):
        inherited = os.environ.get('PYTHONPATH')
        parts = [REPO_ROOT, *map(str, paths)
                 ] + ([inherited] if inherited else [])
        return dict(
            os.environ, PYTHONPATH=os.pathsep.join(parts), OMP_NUM_THREADS='1')

    return subprocess_env


_RANK_WEIGHTS_HOOK = '''
import os.path as osp
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from udaplug.registry import HOOKS


@HOOKS.register_module()
class SaveRankWeightsHook(Hook):
    """Saves every rank's model weights (tensors) and the type of each
    top-level network before and after training, after every other hook."""
    priority = 'LOWEST'

    def before_train(self, runner):
        self._save(runner, 'init')

    def after_train(self, runner):
        self._save(runner, 'final')

    def _save(self, runner, when):
        model = runner.model.module if is_model_wrapper(runner.model) \\
            else runner.model
        wrapped = {name: type(child).__name__
                   for name, child in model.named_children()}
        state = {k: v.clone() for k, v in model.state_dict().items()
                 if torch.is_tensor(v)}
        backend = torch.distributed.get_backend() \\
            if torch.distributed.is_initialized() else None
        torch.save(dict(state_dict=state, wrapped=wrapped, backend=backend),
                   osp.join(runner.work_dir, f'rank{get_rank()}_{when}.pth'))
'''

#: What a config adds to be run by ``two_process_train``.
RANK_WEIGHTS_CFG = '''
custom_imports = dict(imports=['rank_weights_hook'],
                      allow_failed_imports=False)
default_hooks = dict(checkpoint=dict(interval=1000))
'''


@pytest.fixture(scope='session')
def dist_train(subprocess_env):
    """``dist_train(tmp_path, config, nproc, hooks=(), args=(),
    timeout=600)``: trains ``config`` with ``tools/dist_train.sh`` in
    ``nproc`` processes (``args``: more ``tools/train.py`` options), with
    ``hooks`` (config strings) and a hook saving each rank's weights before
    and after training as custom hooks. Returns ``{'rank0_init',
    'rank<i>_final' for every rank}``, each ``dict(state_dict=...,
    wrapped={network: type name}, backend=the process group's)``."""

    def dist_train(tmp_path, config, nproc, hooks=(), args=(), timeout=600):
        (tmp_path / 'rank_weights_hook.py').write_text(_RANK_WEIGHTS_HOOK)
        with open(config, 'a') as f:
            f.write(RANK_WEIGHTS_CFG + 'custom_hooks = [' +
                    ', '.join([*hooks, "dict(type='SaveRankWeightsHook')"]) +
                    ']\n')
        work_dir = str(tmp_path / 'work')
        port = 29500 + (os.getpid() + hash(str(tmp_path))) % 1000
        result = subprocess.run([
            'bash',
            osp.join(REPO_ROOT, 'tools', 'dist_train.sh'),
            str(config),
            str(nproc), '--work-dir', work_dir, *args
        ],
                                cwd=REPO_ROOT,
                                env=dict(
                                    subprocess_env(tmp_path), PORT=str(port)),
                                capture_output=True,
                                text=True,
                                timeout=timeout)
        assert result.returncode == 0, \
            result.stdout[-3000:] + result.stderr[-3000:]
        names = ['rank0_init'] + [f'rank{i}_final' for i in range(nproc)]
        return {
            name: torch.load(osp.join(work_dir, f'{name}.pth'))
            for name in names
        }

    return dist_train


@pytest.fixture(scope='session')
def two_process_train(dist_train):
    """``two_process_train(tmp_path, config, hooks=(), timeout=600)``:
    ``dist_train`` in 2 CPU processes (gloo). Returns ``{'rank0_init',
    'rank0_final', 'rank1_final'}``."""

    def two_process_train(tmp_path, config, hooks=(), timeout=600):
        return dist_train(tmp_path, config, 2, hooks=hooks, timeout=timeout)

    return two_process_train


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """A tiny copy of the embedded demo pair (real on-disk formats)."""
    from udaplug.datasets.demo import make_demo_data
    root = str(tmp_path_factory.mktemp('demo_data'))
    make_demo_data(
        root,
        num_source=8,
        num_target_train=4,
        num_target_val=2,
        size=(128, 64),
        quiet=True)
    return root


@pytest.fixture(scope='session')
def write_demo():
    """``write_demo(root, size=(64, 32))``: the data layer's demo pair
    (SYNTHIA- and Cityscapes-style, with depth), two images per split."""

    def write_demo(root: str, size=(64, 32)):
        from udaplug.datasets.demo import make_demo_data
        make_demo_data(
            root,
            num_source=2,
            num_target_train=2,
            num_target_val=2,
            size=size,
            quiet=True)
        return root

    return write_demo


# --- the command-line tools and config files ---
@pytest.fixture(scope='session')
def load_tool():
    """``load_tool('train.py')``: a script under ``tools/`` imported as a
    module (a fresh module object on every call)."""

    def load_tool(relpath: str):
        path = osp.join(REPO_ROOT, 'tools', relpath)
        name = 'udaplug_tool_' + relpath.replace('/', '_')[:-3]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load_tool


@pytest.fixture(scope='session')
def write_config():
    """``write_config(path, base, body='')``: write a config file at
    ``path`` that inherits ``base`` (a path relative to the repository's
    ``configs/`` or absolute) and adds ``body`` (config-file text)."""

    def write_config(path, base: str, body: str = '') -> str:
        if not osp.isabs(base):
            base = osp.join(REPO_ROOT, 'configs', base)
        with open(path, 'w') as f:
            f.write(f'_base_ = [{base!r}]\n{body}\n')
        return str(path)

    return write_config


@pytest.fixture(scope='session')
def demo_overrides():
    """``demo_overrides(demo_data, size=(128, 64), batch_size=1,
    paired=True)``: config text pointing a demo config at the tiny
    ``demo_data`` fixture, at ``size`` (width, height), without worker
    processes. ``paired``: the config trains on a UDADataset (else on the
    source dataset alone)."""

    def demo_overrides(demo_data: str,
                       size=(128, 64),
                       batch_size: int = 1,
                       paired: bool = True) -> str:
        if paired:
            train_dataset = """dict(
        source=dict(data_root=demo_root + '/gta5', pipeline=_source_pipeline),
        target=dict(data_root=demo_root + '/cityscapes',
                    pipeline=_target_pipeline))"""
        else:
            train_dataset = """dict(data_root=demo_root + '/gta5',
                 pipeline=_source_pipeline)"""
        return f'''
demo_root = {demo_data!r}
_size = {tuple(size)!r}
_source_pipeline = [
    dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
    dict(type='Resize', scale=_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5), dict(type='PackSegInputs')]
_target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=_size, keep_ratio=False),
    dict(type='PackSegInputs')]
_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=_size, keep_ratio=False),
    dict(type='LoadAnnotations'), dict(type='PackSegInputs')]
train_dataloader = dict(
    batch_size={batch_size}, num_workers=0, persistent_workers=False,
    dataset={train_dataset})
val_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=demo_root + '/cityscapes',
                 pipeline=_test_pipeline))
test_dataloader = val_dataloader
'''

    return demo_overrides


# --- tiny GIO-Ada models, optimizers and batches ---
GIOADA_MODEL = osp.join(REPO_ROOT, 'configs', '_base_', 'models',
                        'gioada_vgg16.py')

# What each model config switch changes: generator input channels beyond
# the image, and output discriminators -> input channels, as functions of
# the number of classes C.
TRANSFORM_EXTRA = {
    'none': lambda c: 0,
    'depth': lambda c: 1,
    'semantics': lambda c: c,
    'both': lambda c: c + 1,
}
ALIGNMENT_DISCS = {
    'joint': {
        'disc_output': lambda c: c + 1
    },
    'semantic': {
        'disc_output': lambda c: c
    },
    'depth': {
        'disc_output': lambda c: 1
    },
    'separate': {
        'disc_output_seg': lambda c: c,
        'disc_output_depth': lambda c: 1
    },
}


def _shrink_gioada(model: dict, num_classes: int) -> dict:
    """Shrink a GIO-Ada model config (in place): narrow VGG, one residual
    block, narrow discriminators, no pretrained weights; channel counts
    follow the model's switches."""
    c = num_classes
    seg = model['segmentor']
    seg['backbone'].update(base_channels=4, fc_channels=16, init_cfg=None)
    seg['decode_head'].update(in_channels=16, num_classes=c)
    transform = model.get('transform_inputs') or 'both'
    for gen in (model.get('generators') or {}).values():
        gen.update(
            in_channels=3 + TRANSFORM_EXTRA[transform](c),
            base_channels=4,
            num_blocks=1)
    alignment = ALIGNMENT_DISCS[model.get('output_alignment') or 'joint']
    for name, disc in (model.get('discriminators') or {}).items():
        disc.update(base_channels=4)
        if name in alignment:
            disc['in_channels'] = alignment[name](c)
    return model


def _tiny_gioada_cfg(num_classes: int = 4, **switches) -> dict:
    model = copy.deepcopy(Config.fromfile(GIOADA_MODEL).model.to_dict())
    model.update(switches)
    input_level = model['input_level']
    output_level = model['output_level']
    if not input_level:
        model['generators'] = None
        model['transform_inputs'] = switches.get('transform_inputs')
    discs = {}
    base = model['discriminators']
    if input_level:
        discs['disc_img'] = base['disc_img']
    if output_level:
        for name in ALIGNMENT_DISCS[model.get('output_alignment') or 'joint']:
            discs[name] = copy.deepcopy(base['disc_output'])
    else:
        model['output_alignment'] = switches.get('output_alignment')
    model['discriminators'] = discs or None
    return _shrink_gioada(model, num_classes)


@pytest.fixture(scope='session')
def tiny_gioada_cfg():
    """``tiny_gioada_cfg(num_classes=4, **switches)``: the real GIO-Ada
    model config (a dict), shrunk, with ``switches`` applied and only the
    networks those switches need."""
    return _tiny_gioada_cfg


@pytest.fixture(scope='session')
def build_gioada():
    """``build_gioada(num_classes=4, **switches)``: the tiny GIO-Ada model
    of :func:`tiny_gioada_cfg`, built and initialised."""

    def build_gioada(num_classes: int = 4, **switches):
        from udaplug.registry import MODELS
        model = MODELS.build(_tiny_gioada_cfg(num_classes, **switches))
        model.init_weights()
        return model

    return build_gioada


class RecordingOptimWrapper(OptimWrapper):
    """Records its parameters' gradients (divided by ``scale``) when it
    steps; with ``scale`` != 1 it also multiplies every loss by ``scale``
    like a mixed-precision loss scaler."""

    def __init__(self, optimizer, scale: float = 1.0):
        super().__init__(optimizer)
        self.scale = scale
        self.recorded = None
        if scale != 1.0:
            self.loss_scaler = _FixedScaler(scale)

    def backward(self, loss, **kwargs):
        super().backward(loss * self.scale, **kwargs)

    def step(self, **kwargs):
        self.recorded = [
            None if p.grad is None else p.grad.detach().clone() / self.scale
            for group in self.optimizer.param_groups for p in group['params']
        ]
        for group in self.optimizer.param_groups:
            for p in group['params']:
                if p.grad is not None:
                    p.grad.div_(self.scale)
        super().step(**kwargs)


class _FixedScaler:

    def __init__(self, scale):
        self.scale = scale

    def is_enabled(self):
        return True

    def get_scale(self):
        return self.scale


@pytest.fixture(scope='session')
def recording_optim_wrapper():
    """The class ``RecordingOptimWrapper(optimizer, scale=1.0)``: an
    OptimWrapper whose ``.recorded`` holds the gradients (divided by
    ``scale``) of its last step; ``scale`` != 1 multiplies every loss like a
    mixed-precision loss scaler."""
    return RecordingOptimWrapper


@pytest.fixture(scope='session')
def optim_wrappers():
    """``optim_wrappers(model, lr=2e-4, scales=None)``: an OptimWrapperDict
    with one Adam optimizer per trainable network of ``model``, each a
    :class:`RecordingOptimWrapper` (``.recorded``: the gradients of its
    last step; ``scales``: per-network loss scales)."""

    def optim_wrappers(model,
                       lr: float = 2e-4,
                       scales: dict = None,
                       wrapper=RecordingOptimWrapper) -> OptimWrapperDict:
        scales = scales or {}
        names = [
            'segmentor', *model.generator_names, *model.discriminator_names
        ]
        return OptimWrapperDict(
            **{
                name:
                wrapper(
                    torch.optim.Adam(
                        getattr(model, name).parameters(),
                        lr=lr,
                        betas=(0.5, 0.999)),
                    scale=scales.get(name, 1.0))
                for name in names
            })

    return optim_wrappers


def _depth_sample(h: int,
                  w: int,
                  num_classes: int,
                  labelled: bool = True,
                  depth: bool = True,
                  seed: int = 0,
                  img_path: str = None) -> SegDataSample:
    gen = torch.Generator().manual_seed(seed)
    sample = SegDataSample()
    sample.set_metainfo(
        dict(
            img_path=img_path or f'source_{seed}.png',
            img_shape=(h, w),
            ori_shape=(h, w)))
    if labelled:
        label = torch.randint(0, num_classes, (1, h, w), generator=gen)
        label[:, :2, :2] = 255  # some ignored pixels
        sample.gt_sem_seg = PixelData(data=label)
    if depth:
        sample.gt_depth_map = PixelData(
            data=torch.rand(1, h, w, generator=gen))
    return sample


@pytest.fixture(scope='session')
def gioada_batch():
    """``gioada_batch(num_classes=4, source_hw=(32, 64), target_hw=(32,
    48), depth=True, seed=0)``: a paired batch as UDADataset +
    pseudo_collate produce it, the source with labels (a 2x2 ignored
    corner) and normalised depth; the source image is named
    ``source_<seed>.png``."""

    def gioada_batch(num_classes: int = 4,
                     source_hw=(32, 64),
                     target_hw=(32, 48),
                     depth: bool = True,
                     seed: int = 0) -> dict:
        gen = torch.Generator().manual_seed(seed)
        return dict(
            source=dict(
                inputs=[
                    torch.randint(
                        0,
                        256, (3, *source_hw),
                        generator=gen,
                        dtype=torch.uint8)
                ],
                data_samples=[
                    _depth_sample(
                        *source_hw, num_classes, depth=depth, seed=seed)
                ]),
            target=dict(
                inputs=[
                    torch.randint(
                        0,
                        256, (3, *target_hw),
                        generator=gen,
                        dtype=torch.uint8)
                ],
                data_samples=[
                    _depth_sample(
                        *target_hw,
                        num_classes,
                        labelled=False,
                        depth=False,
                        seed=seed + 1)
                ]))

    return gioada_batch


# --- one-iteration GIO-Ada runs ---
def _set_resize(pipeline, scale):
    for t in pipeline:
        if t['type'] == 'Resize':
            t['scale'] = scale


@pytest.fixture(scope='session')
def one_iteration_cfg():
    """``one_iteration_cfg(path, work_dir, roots, num_classes, size=(64,
    32), validate=True)``: load config ``path`` (or copy a loaded
    ``Config``) and make it run one tiny iteration on CPU: shrunk GIO-Ada
    networks, data from ``roots`` (``source``, ``target`` and ``val`` data
    roots), resizes to ``size``, no worker processes, a checkpoint, a
    visualisation and (``validate``) one validation after the
    iteration."""

    def one_iteration_cfg(path,
                          work_dir: str,
                          roots: dict,
                          num_classes: int,
                          size=(64, 32),
                          validate=True):
        cfg = copy.deepcopy(path) if isinstance(path, Config) else \
            Config.fromfile(path)
        _shrink_gioada(cfg.model, num_classes)
        uda = cfg.train_dataloader.dataset
        uda.source.data_root = roots['source']
        uda.target.data_root = roots['target']
        _set_resize(uda.source.pipeline, size)
        _set_resize(uda.target.pipeline, size)
        for loader in (cfg.train_dataloader, cfg.val_dataloader,
                       cfg.test_dataloader):
            loader.num_workers = 0
            loader.persistent_workers = False
        for loader in (cfg.val_dataloader, cfg.test_dataloader):
            loader.dataset.data_root = roots['val']
            _set_resize(loader.dataset.pipeline, size)
        cfg.train_cfg.max_iters = 1
        cfg.train_cfg.val_interval = 1 if validate else 1000
        cfg.default_hooks.checkpoint.interval = 1
        cfg.default_hooks.logger.interval = 1
        for hook in cfg.get('custom_hooks', []):
            if hook['type'] == 'TranslationVisualizationHook':
                hook['interval'] = 1
        cfg.work_dir = work_dir
        # a new visualizer (mmengine keeps one instance per name, with the
        # work dir of the first runner that created it)
        cfg.visualizer.name = f'visualizer_{osp.basename(work_dir)}_{id(cfg)}'
        return cfg

    return one_iteration_cfg


# --- tiny datasets in their released on-disk formats ---
# Written with plain OpenCV / PIL / numpy, independent of udaplug's writers.
def _write(path, array):
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, array), path
    return path


def _write_gta5_label(path, ids):
    """GTA5's label format: an 8-bit palette PNG, palette index = Cityscapes
    label id, palette colour = that id's Cityscapes colour."""
    from cityscapesscripts.helpers.labels import labels
    from PIL import Image
    palette = [0] * 768
    for label in labels:
        if label.id >= 0:
            palette[3 * label.id:3 * label.id + 3] = label.color
    img = Image.frombytes('P', (ids.shape[1], ids.shape[0]),
                          np.ascontiguousarray(ids, np.uint8).tobytes())
    img.putpalette(palette)
    os.makedirs(osp.dirname(path), exist_ok=True)
    img.save(path)
    return path


def _rgb(h=8, w=12, seed=0):
    return np.random.default_rng(seed).integers(
        0, 255, (h, w, 3), dtype=np.uint8)


def _id_label(h=8, w=12):
    """A label-id map holding Cityscapes ids 7 (road), 26 (car), 0
    (unlabeled) and 23 (sky) in four column blocks."""
    lab = np.zeros((h, w), np.uint8)
    lab[:, :3] = 7
    lab[:, 3:6] = 26
    lab[:, 6:9] = 0
    lab[:, 9:] = 23
    return lab


def _id_to_train_id(lab):
    lut = np.full(256, 255, np.uint8)
    lut[[7, 26, 23]] = [0, 13, 10]
    return lut[lab]


def _synthia_label(h=8, w=12, instance=500):
    """A 16-bit SYNTHIA label (BGR order): class id in R (index 2) - ids
    3 road, 8 car, 16 terrain, 1 sky per column block - instance ids in G."""
    lab = np.zeros((h, w, 3), np.uint16)
    cls = np.zeros((h, w), np.uint16)
    cls[:, :3] = 3
    cls[:, 3:6] = 8
    cls[:, 6:9] = 16
    cls[:, 9:] = 1
    lab[..., 2] = cls
    lab[:, 3:6, 1] = instance
    return lab


def _synthia_depth(h=8, w=12):
    """A 3-channel 16-bit depth map with identical channels (cm)."""
    d = (np.arange(h * w, dtype=np.uint16).reshape(h, w) * 10 + 100)
    return np.repeat(d[..., None], 3, axis=2)


VKITTI_ENCODING = """Category(:id) r g b
Terrain 210 0 200
Sky 90 200 255
Tree 0 199 0
Vegetation 90 240 0
Building 140 140 140
Road 100 60 100
GuardRail 255 100 255
TrafficSign 255 255 0
TrafficLight 200 200 0
Pole 255 130 0
Misc 80 80 80
Truck 160 60 60
Car:0 200 100 50
Car:1 10 20 30
Van:0 230 208 202
"""


def _vkitti_label(h=8, w=12):
    """An RGB class image: Road | Car:0 | Car:1 | Van:0 | Tree | GuardRail
    in column pairs (returned in RGB order)."""
    colours = [(100, 60, 100), (200, 100, 50), (10, 20, 30), (230, 208, 202),
               (0, 199, 0), (255, 100, 255)]
    img = np.zeros((h, w, 3), np.uint8)
    for k, c in enumerate(colours):
        img[:, 2 * k:2 * k + 2] = c
    return img


@pytest.fixture(scope='session')
def write():
    """``write(path, array)``: write an image with OpenCV (BGR order,
    8- or 16-bit), creating folders; returns ``path``."""
    return _write


@pytest.fixture(scope='session')
def truncate():
    """``truncate(path)``: cut a file in half (a truncated download)."""

    def truncate(path):
        data = open(path, 'rb').read()
        with open(path, 'wb') as f:
            f.write(data[:len(data) // 2])

    return truncate


@pytest.fixture(scope='session')
def id_label_train_ids():
    """The 19-class train ids of the fixtures' Cityscapes-id labels per
    column block: road, car, unlabeled (ignored), sky."""
    return (0, 13, 255, 10)


@pytest.fixture(scope='session')
def synthia_label_train_ids():
    """The 16-class train ids of the SYNTHIA fixture label per column
    block: road, car, terrain (not in the 16 classes), sky."""
    return (0, 12, 255, 9)


@pytest.fixture(scope='session')
def vkitti_label_train_ids():
    """The 10-class train ids of the Virtual KITTI fixture label per column
    pair: Road, Car:0, Car:1, Van (-> car), Tree (-> vegetation),
    GuardRail (ignored)."""
    return (0, 8, 8, 8, 5, 255)


@pytest.fixture(scope='session')
def synthia_depth():
    """``synthia_depth(h=8, w=12)``: the SYNTHIA fixture's 3-channel 16-bit
    depth map (identical channels, cm: 100, 110, ... in raster order)."""
    return _synthia_depth


@pytest.fixture(scope='session')
def write_gta5_label():
    """``write_gta5_label(path, ids)``: write an (H, W) map of Cityscapes
    label ids as GTA5 releases its labels: an 8-bit palette PNG (PIL mode
    'P') whose palette index is the label id, with the Cityscapes colours
    as palette."""
    return _write_gta5_label


@pytest.fixture(scope='session')
def make_gta5():
    """``make_gta5(root, n=2, h=8, w=12, converted=True)``: GTA5 layout
    (``images/00001.png``, ``labels/00001.png``: palette PNGs of Cityscapes
    label ids, see :func:`write_gta5_label`; ``converted``: also
    ``*_labelTrainIds.png``)."""

    def make_gta5(root, n=2, h=8, w=12, converted=True):
        for i in range(1, n + 1):
            _write(osp.join(root, 'images', f'{i:05d}.png'), _rgb(h, w, i))
            lab = _id_label(h, w)
            _write_gta5_label(osp.join(root, 'labels', f'{i:05d}.png'), lab)
            if converted:
                _write(
                    osp.join(root, 'labels', f'{i:05d}_labelTrainIds.png'),
                    _id_to_train_id(lab))
        return root

    return make_gta5


@pytest.fixture(scope='session')
def make_cityscapes():
    """``make_cityscapes(root, splits=('train', 'val'), n=2, h=8, w=12,
    city='aachen', converted=True)``: Cityscapes layout (``leftImg8bit/``,
    ``gtFine/*_gtFine_labelIds.png``; ``converted``: also
    ``*_gtFine_labelTrainIds.png``)."""

    def make_cityscapes(root,
                        splits=('train', 'val'),
                        n=2,
                        h=8,
                        w=12,
                        city='aachen',
                        converted=True):
        for split in splits:
            for i in range(n):
                stem = f'{city}_000000_{i:06d}'
                _write(
                    osp.join(root, 'leftImg8bit', split, city,
                             f'{stem}_leftImg8bit.png'), _rgb(h, w, i))
                lab = _id_label(h, w)
                _write(
                    osp.join(root, 'gtFine', split, city,
                             f'{stem}_gtFine_labelIds.png'), lab)
                if converted:
                    _write(
                        osp.join(root, 'gtFine', split, city,
                                 f'{stem}_gtFine_labelTrainIds.png'),
                        _id_to_train_id(lab))
        return root

    return make_cityscapes


@pytest.fixture(scope='session')
def make_synthia():
    """``make_synthia(root, n=2, h=8, w=12)``: SYNTHIA-RAND-CITYSCAPES
    layout (``RGB/``, 16-bit ``GT/LABELS/`` with the class id in R,
    3-channel 16-bit ``Depth/Depth/`` in cm), not converted."""

    def make_synthia(root, n=2, h=8, w=12):
        for i in range(n):
            name = f'{i:07d}.png'
            _write(osp.join(root, 'RGB', name), _rgb(h, w, i))
            _write(osp.join(root, 'GT', 'LABELS', name), _synthia_label(h, w))
            _write(
                osp.join(root, 'Depth', 'Depth', name), _synthia_depth(h, w))
        return root

    return make_synthia


@pytest.fixture(scope='session')
def make_vkitti():
    """``make_vkitti(root, worlds=('0001', '0002'), variations=('clone',
    'fog'), frames=2, h=8, w=12)``: Virtual KITTI 1.3.1 layout (rgb,
    colour-coded scenegt with the per-world colour tables, 16-bit depthgt
    in cm with the first row at 65535), not converted."""

    def make_vkitti(root,
                    worlds=('0001', '0002'),
                    variations=('clone', 'fog'),
                    frames=2,
                    h=8,
                    w=12):
        for world in worlds:
            for var in variations:
                gt = osp.join(root, 'vkitti_1.3.1_scenegt')
                os.makedirs(gt, exist_ok=True)
                with open(
                        osp.join(gt,
                                 f'{world}_{var}_scenegt_rgb_encoding.txt'),
                        'w') as f:
                    f.write(VKITTI_ENCODING)
                for i in range(frames):
                    name = f'{i:05d}.png'
                    _write(
                        osp.join(root, 'vkitti_1.3.1_rgb', world, var, name),
                        _rgb(h, w, i))
                    _write(
                        osp.join(gt, world, var, name),
                        _vkitti_label(h, w)[..., ::-1].copy())
                    depth = np.full((h, w), 1000 + i, np.uint16)
                    depth[0] = 65535  # sky at the far limit
                    _write(
                        osp.join(root, 'vkitti_1.3.1_depthgt', world, var,
                                 name), depth)
        return root

    return make_vkitti


@pytest.fixture(scope='session')
def make_kitti():
    """``make_kitti(root, n=2, h=8, w=12)``: KITTI semantics layout
    (``training/image_2``, ``training/semantic`` with Cityscapes label ids,
    ``testing/image_2``), not converted."""

    def make_kitti(root, n=2, h=8, w=12):
        for i in range(n):
            name = f'{i:06d}_10.png'
            _write(osp.join(root, 'training', 'image_2', name), _rgb(h, w, i))
            _write(
                osp.join(root, 'training', 'semantic', name), _id_label(h, w))
            _write(
                osp.join(root, 'testing', 'image_2', name), _rgb(h, w, 10 + i))
        return root

    return make_kitti


@pytest.fixture(scope='session')
def make_synscapes():
    """``make_synscapes(root, n=2, h=8, w=12)``: Synscapes layout
    (``img/rgb/1.png``, ``img/class/1.png`` with Cityscapes label ids), not
    converted."""

    def make_synscapes(root, n=2, h=8, w=12):
        for i in range(1, n + 1):
            _write(osp.join(root, 'img', 'rgb', f'{i}.png'), _rgb(h, w, i))
            _write(osp.join(root, 'img', 'class', f'{i}.png'), _id_label(h, w))
        return root

    return make_synscapes


# --- tiny AdaptSegNet models, their optimizers and paired batches ---
CONFIGS = osp.join(REPO_ROOT, 'configs')
ADAPTSEGNET_MODEL = osp.join(CONFIGS, '_base_', 'models',
                             'adaptsegnet_deeplabv2_r101.py')
ADAPTSEGNET_SCHEDULE = osp.join(CONFIGS, '_base_', 'schedules',
                                'adaptsegnet_sgd_poly.py')


def _seg_sample(h: int,
                w: int,
                num_classes: int,
                labelled: bool = True,
                seed: int = 0) -> SegDataSample:
    sample = SegDataSample()
    if labelled:
        gen = torch.Generator().manual_seed(seed)
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, num_classes, (1, h, w), generator=gen))
    sample.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w)))
    return sample


@pytest.fixture(scope='session')
def tiny_adaptsegnet_cfg():
    """``tiny_adaptsegnet_cfg(num_classes=4)``: the real AdaptSegNet model
    config, shrunk: ResNet-18 backbone, narrow discriminators,
    ``num_classes`` classes."""

    def tiny_adaptsegnet_cfg(num_classes: int = 4) -> Config:
        cfg = Config.fromfile(ADAPTSEGNET_MODEL)
        model = cfg.model
        seg = model.segmentor
        seg.backbone.depth = 18
        seg.decode_head.update(in_channels=512, num_classes=num_classes)
        seg.auxiliary_head.update(in_channels=256, num_classes=num_classes)
        for disc in model.discriminators.values():
            disc.update(in_channels=num_classes, channels=(8, 8, 8, 8))
        return cfg

    return tiny_adaptsegnet_cfg


@pytest.fixture(scope='session')
def tiny_optim_wrapper():
    """``tiny_optim_wrapper(model, amp=False)``: the official optimizers of
    the AdaptSegNet schedule config, built for ``model``."""

    def tiny_optim_wrapper(model, amp: bool = False):
        from udaplug.registry import OPTIM_WRAPPER_CONSTRUCTORS
        cfg = Config.fromfile(ADAPTSEGNET_SCHEDULE).optim_wrapper
        constructor = cfg.pop('constructor')
        if amp:
            for wrapper in cfg.values():
                wrapper['type'] = 'MixedPrecisionOptimWrapper'
        return OPTIM_WRAPPER_CONSTRUCTORS.build(
            dict(type=constructor, optim_wrapper_cfg=cfg))(
                model)

    return tiny_optim_wrapper


@pytest.fixture(scope='session')
def seg_sample():
    """``seg_sample(h, w, num_classes, labelled=True, seed=0)``: a
    SegDataSample with a random label map (``labelled``)."""
    return _seg_sample


@pytest.fixture(scope='session')
def uda_batch():
    """``uda_batch(num_classes=4, source_hw=(64, 64), target_hw=(48, 64),
    seed=0)``: a paired batch as UDADataset + pseudo_collate produce
    it."""

    def uda_batch(num_classes: int = 4,
                  source_hw=(64, 64),
                  target_hw=(48, 64),
                  seed: int = 0) -> dict:
        gen = torch.Generator().manual_seed(seed)
        return dict(
            source=dict(
                inputs=[torch.rand(3, *source_hw, generator=gen) * 255],
                data_samples=[_seg_sample(*source_hw, num_classes,
                                          seed=seed)]),
            target=dict(
                inputs=[torch.rand(3, *target_hw, generator=gen) * 255],
                data_samples=[
                    _seg_sample(*target_hw, num_classes, labelled=False)
                ]))

    return uda_batch


@pytest.fixture(scope='session')
def tiny_uda_model(tiny_adaptsegnet_cfg):
    """``tiny_uda_model(**changes)``: a tiny AdaptSegNet (4 classes) whose
    model config is updated with ``changes`` (e.g. ``networks=...``,
    ``predict_on=...``), built with seed 0, initialised, in train mode.
    ``tiny_uda_model.cfg(**changes)`` returns the model config only."""
    from udaplug.registry import MODELS

    def cfg(**changes):
        model = copy.deepcopy(tiny_adaptsegnet_cfg(4).model)
        model.update(changes)
        return model

    def tiny_uda_model(**changes):
        torch.manual_seed(0)
        model = MODELS.build(cfg(**changes))
        model.init_weights()
        return model.train()

    tiny_uda_model.cfg = cfg
    return tiny_uda_model


# --- tiny Brehm et al. (sci2i) models, optimizers and batches ---
SCI2I_MODEL = osp.join(REPO_ROOT, 'configs', '_base_', 'models',
                       'sci2i_vgg16.py')


def _shrink_sci2i(cfg: Config, num_classes: int) -> Config:
    """The networks of configs/_base_/models/sci2i_vgg16.py, shrunk (in
    place): a narrow VGG DeepLab-v2 without pretrained weights, a narrow
    generator, a discriminator on a narrow random VGG."""
    seg = cfg.segmentor
    seg.backbone.update(base_channels=4, fc_channels=8, init_cfg=None)
    seg.decode_head.update(in_channels=8, num_classes=num_classes)
    cfg.generator.update(
        channels=(4, 8, 8, 8), style_channels=8, mapping_layers=1)
    cfg.discriminator.update(
        num_classes=num_classes,
        vgg_checkpoint=None,
        vgg_base_channels=4,
        decoder_channels=(4, 4))
    for model in (cfg.mean_teacher, cfg.translator):
        model.segmentor.update(copy.deepcopy(seg))
    cfg.translator.segmentor.role = 'frozen'
    cfg.translator.generators.gen.update(copy.deepcopy(cfg.generator))
    cfg.translator.discriminators.disc.update(copy.deepcopy(cfg.discriminator))
    return cfg


@pytest.fixture(scope='session')
def tiny_sci2i_cfg():
    """``tiny_sci2i_cfg(num_classes=4)``: configs/_base_/models/
    sci2i_vgg16.py with shrunk networks; ``.mean_teacher`` and
    ``.translator`` are the two model configs."""

    def tiny_sci2i_cfg(num_classes: int = 4) -> Config:
        return _shrink_sci2i(Config.fromfile(SCI2I_MODEL), num_classes)

    return tiny_sci2i_cfg


@pytest.fixture(scope='session')
def build_uda_model():
    """``build_uda_model(cfg, seed=0)``: a UDA model built from a model
    config (copied) with torch seeded, initialised, in train mode."""
    from udaplug.registry import MODELS

    def build_uda_model(cfg: dict, seed: int = 0):
        torch.manual_seed(seed)
        model = MODELS.build(copy.deepcopy(cfg))
        model.init_weights()
        return model.train()

    return build_uda_model


@pytest.fixture(scope='session')
def sgd_optimizers():
    """``sgd_optimizers(model, lr=1.0)``: plain SGD (no momentum) for every
    trainable network, so that a step subtracts ``lr`` x the gradient
    (compared with reference gradients)."""
    from udaplug.registry import OPTIM_WRAPPER_CONSTRUCTORS

    def sgd_optimizers(model, lr: float = 1.0):
        cfg = dict(default=dict(optimizer=dict(type='SGD', lr=lr)))
        return OPTIM_WRAPPER_CONSTRUCTORS.build(
            dict(type='UDAOptimWrapperConstructor', optim_wrapper_cfg=cfg))(
                model)

    return sgd_optimizers


@pytest.fixture(scope='session')
def sci2i_batch():
    """``sci2i_batch(n=2, hw=(32, 32), num_classes=4, target_labels=False,
    translated=False, seed=0)``: a paired batch as the UDA datasets and
    pseudo_collate produce it; ``target_labels``: target pseudo-labels as
    gt_sem_seg; ``translated``: a 'translated' domain with the source
    labels. Samples are named src<i>.png / tgt<i>.png."""

    def sample(h, w, num_classes, labelled, seed, name):
        s = _seg_sample(h, w, num_classes, labelled=labelled, seed=seed)
        s.set_metainfo(dict(img_path=name))
        return s

    def sci2i_batch(n=2,
                    hw=(32, 32),
                    num_classes=4,
                    target_labels=False,
                    translated=False,
                    seed=0):
        gen = torch.Generator().manual_seed(seed)

        def images():
            return [torch.rand(3, *hw, generator=gen) * 255 for _ in range(n)]

        data = dict(
            source=dict(
                inputs=images(),
                data_samples=[
                    sample(*hw, num_classes, True, seed + i, f'src{i}.png')
                    for i in range(n)
                ]),
            target=dict(
                inputs=images(),
                data_samples=[
                    sample(*hw, num_classes, target_labels, seed + 100 + i,
                           f'tgt{i}.png') for i in range(n)
                ]))
        if translated:
            data['translated'] = dict(
                inputs=images(),
                data_samples=[
                    s.clone() for s in data['source']['data_samples']
                ])
        return data

    return sci2i_batch


# --- Brehm et al. (sci2i) stage configs on the demo pair ---
_SCI2I_SEG = '''
_seg = dict(backbone=dict(base_channels=4, fc_channels=8, init_cfg=None),
            decode_head=dict(in_channels=8))
'''
_SCI2I_STAGE_TEXT = dict(
    mean_teacher='''
model = dict(segmentor=_seg, consistency_start=1)
''',
    source_only='''
model = dict(segmentor=_seg)
''',
    translation='''
model = dict(
    segmentor=dict(_seg, init_cfg=None),
    generators=dict(gen=dict(channels=(4, 8, 8, 8), style_channels=8,
                             mapping_layers=1)),
    discriminators=dict(disc=dict(vgg_checkpoint=None, vgg_prefix=None,
                                  vgg_base_channels=4,
                                  decoder_channels=(4, 4))))
# the I2I phase has no validation
val_dataloader = None
val_evaluator = None
''',
    final='''
model = dict(segmentor=_seg, consistency_start=1)
train_dataloader['dataset']['translated'] = dict(
    type='GTA5Dataset', data_root=translated_root,
    pipeline=_source_pipeline)
''')
# The target's own labels stand in for the pseudo-labels of the I2I phase.
_SCI2I_TARGET_LABELS = '''
train_dataloader['dataset']['allow_target_labels'] = True
train_dataloader['dataset']['target'].update(
    data_prefix=dict(img_path='leftImg8bit/train',
                     seg_map_path='gtFine/train'),
    seg_map_suffix='_gtFine_labelTrainIds.png',
    pipeline=[dict(type='LoadImageFromFile'),
              dict(type='LoadAnnotations'),
              dict(type='Resize', scale=_size, keep_ratio=False),
              dict(type='RandomFlip', prob=0.5),
              dict(type='PackSegInputs')])
'''


def _write_translated_copy(demo_data: str, out: str) -> str:
    src = osp.join(demo_data, 'gta5')
    for sub in ('images', 'labels'):
        os.makedirs(osp.join(out, sub), exist_ok=True)
    for name in sorted(os.listdir(osp.join(src, 'images'))):
        shutil.copy(
            osp.join(src, 'images', name), osp.join(out, 'images', name))
        label = name[:-4] + '_labelTrainIds.png'
        shutil.copy(
            osp.join(src, 'labels', label), osp.join(out, 'labels', label))
    return out


@pytest.fixture(scope='session')
def sci2i_stage_text(demo_overrides):
    """``sci2i_stage_text(kind, demo_data, translated_root=None,
    target_labels=True, size=(128, 64))``: config text that makes a Brehm
    et al. stage config (real or demo) train on the tiny demo pair with
    narrow networks and no ImageNet files. ``kind``: 'mean_teacher'
    (warm-up), 'source_only', 'translation' (``target_labels``: the
    target's own labels stand in for pseudo-labels) or 'final'
    (``translated_root``: the translated source set)."""

    def sci2i_stage_text(kind: str,
                         demo_data: str,
                         translated_root: str = None,
                         target_labels: bool = True,
                         size=(128, 64)) -> str:
        text = demo_overrides(demo_data, size=size) + _SCI2I_SEG
        if kind == 'final':
            text += f'translated_root = {translated_root!r}\n'
        text += _SCI2I_STAGE_TEXT[kind]
        if kind == 'translation' and target_labels:
            text += _SCI2I_TARGET_LABELS
        return text

    return sci2i_stage_text


@pytest.fixture(scope='session')
def sci2i_translated_copy():
    """``sci2i_translated_copy(demo_data, out)``: the demo source set in
    the translate stage's layout (``images/``, ``labels/``), the source
    images themselves standing in for their translations."""
    return _write_translated_copy

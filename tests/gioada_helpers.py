"""Small GIO-Ada models, optimizers and batches for fast CPU tests."""
import copy
import os
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
GIOADA_MODEL = osp.join(REPO_ROOT, 'configs', '_base_', 'models',
                        'gioada_vgg16.py')
GIOADA_SCHEDULE = osp.join(REPO_ROOT, 'configs', '_base_', 'schedules',
                           'gioada_adam.py')

# What each model config switch changes: (generator input channels beyond
# the image, output discriminators -> input channels as a function of C).
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


def shrink_gioada(model: dict, num_classes: int) -> dict:
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


def tiny_gioada_cfg(num_classes: int = 4, **switches) -> dict:
    """The real GIO-Ada model config, shrunk, with ``switches`` applied and
    only the networks those switches need."""
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
    return shrink_gioada(model, num_classes)


def build_gioada(num_classes: int = 4, **switches):
    from udaplug.registry import MODELS
    model = MODELS.build(tiny_gioada_cfg(num_classes, **switches))
    model.init_weights()
    return model


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


def optim_wrappers(model,
                   lr: float = 2e-4,
                   scales: dict = None,
                   wrapper=RecordingOptimWrapper) -> OptimWrapperDict:
    scales = scales or {}
    names = ['segmentor', *model.generator_names, *model.discriminator_names]
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


def depth_sample(h: int,
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


def gioada_batch(num_classes: int = 4,
                 source_hw=(32, 64),
                 target_hw=(32, 48),
                 depth: bool = True,
                 seed: int = 0) -> dict:
    """A paired batch as UDADataset + pseudo_collate produce it, the source
    with labels and normalised depth."""
    gen = torch.Generator().manual_seed(seed)
    return dict(
        source=dict(
            inputs=[
                torch.randint(
                    0, 256, (3, *source_hw), generator=gen, dtype=torch.uint8)
            ],
            data_samples=[
                depth_sample(*source_hw, num_classes, depth=depth, seed=seed)
            ]),
        target=dict(
            inputs=[
                torch.randint(
                    0, 256, (3, *target_hw), generator=gen, dtype=torch.uint8)
            ],
            data_samples=[
                depth_sample(
                    *target_hw,
                    num_classes,
                    labelled=False,
                    depth=False,
                    seed=seed + 1)
            ]))


# --- tiny datasets in their native on-disk layouts --------------------------
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


def write_vkitti(root: str, num: int = 2, size=(64, 32), seed: int = 0):
    """Virtual KITTI 1.3.1 layout (``vkitti_1.3.1_{rgb,scenegt,depthgt}/
    <world>/<variation>/<frame>.png`` and the world's colour table), then
    the data layer's converter (``*_labelTrainIds.png``)."""
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
        cv2.imwrite(osp.join(gt_dir, world, variation, name), rgb[..., ::-1])
        img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        cv2.imwrite(
            osp.join(root, 'vkitti_1.3.1_rgb', world, variation, name), img)
        depth = rng.integers(100, 65535, (h, w)).astype(np.uint16)
        cv2.imwrite(
            osp.join(root, 'vkitti_1.3.1_depthgt', world, variation, name),
            depth)
    report = convert_vkitti(root)
    assert report.exit_code == 0, report.format()
    return root


def write_kitti(root: str, num: int = 2, size=(64, 32), seed: int = 1):
    """KITTI semantics layout (``training/image_2``, ``training/semantic``
    with Cityscapes label ids, ``testing/image_2``), then the converter."""
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


def write_demo(root: str, size=(64, 32)):
    """The data layer's demo pair (SYNTHIA- and Cityscapes-style, with
    depth), tiny."""
    from udaplug.datasets.demo import make_demo_data
    make_demo_data(
        root,
        num_source=2,
        num_target_train=2,
        num_target_val=2,
        size=size,
        quiet=True)
    return root


# --- running a config for one iteration -----------------------------------
def _set_resize(pipeline, scale):
    for t in pipeline:
        if t['type'] == 'Resize':
            t['scale'] = scale


def one_iteration_cfg(path,
                      work_dir: str,
                      roots: dict,
                      num_classes: int,
                      size=(64, 32),
                      validate=True):
    """Load config ``path`` (or copy a loaded ``Config``) and make it run
    one tiny iteration on CPU:
    shrunk networks, data from ``roots`` (``source``, ``target`` and
    ``val`` data roots), resizes to ``size``, no worker processes, a
    checkpoint, a visualisation and (``validate``) one validation after the
    iteration."""
    cfg = copy.deepcopy(path) if isinstance(path, Config) else \
        Config.fromfile(path)
    shrink_gioada(cfg.model, num_classes)
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
    # a new visualizer (mmengine keeps one instance per name, with the work
    # dir of the first runner that created it)
    cfg.visualizer.name = f'visualizer_{osp.basename(work_dir)}_{id(cfg)}'
    return cfg


def run_one_iteration(cfg, tmp_path) -> dict:
    """Train ``cfg`` with tools/train.py; return the checkpoint's state dict
    and the logged scalars."""
    import glob
    import json

    from uda_helpers import load_tool
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


def networks_of(state_dict: dict) -> set:
    """Top-level network names in a GIO-Ada state dict."""
    return {k.split('.')[0] for k in state_dict} - {'data_preprocessor'}


def train_step_from_cfg(cfg):
    """Build ``cfg``'s model, optimizers and training set and run one
    ``train_step`` on its first batch (no runner). Returns the model, the
    optimizer wrappers and the log variables."""
    from mmengine.dataset import pseudo_collate

    from udaplug.registry import DATASETS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS
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

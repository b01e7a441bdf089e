"""Small udaplug models and batches for fast CPU tests (importable by
tests as ``from uda_helpers import ...``)."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
ADAPTSEGNET_MODEL = osp.join(REPO_ROOT, 'configs', '_base_', 'models',
                             'adaptsegnet_deeplabv2_r101.py')
ADAPTSEGNET_SCHEDULE = osp.join(REPO_ROOT, 'configs', '_base_', 'schedules',
                                'adaptsegnet_sgd_poly.py')


def tiny_adaptsegnet_cfg(num_classes: int = 4) -> Config:
    """The real AdaptSegNet model config, shrunk: ResNet-18 backbone, narrow
    discriminators, ``num_classes`` classes."""
    cfg = Config.fromfile(ADAPTSEGNET_MODEL)
    model = cfg.model
    seg = model.segmentor
    seg.backbone.depth = 18
    seg.decode_head.update(in_channels=512, num_classes=num_classes)
    seg.auxiliary_head.update(in_channels=256, num_classes=num_classes)
    for disc in model.discriminators.values():
        disc.update(in_channels=num_classes, channels=(8, 8, 8, 8))
    return cfg


def tiny_optim_wrapper(model, amp: bool = False):
    """The official optimizers of the schedule config, built for ``model``."""
    from udaplug.registry import OPTIM_WRAPPER_CONSTRUCTORS
    cfg = Config.fromfile(ADAPTSEGNET_SCHEDULE).optim_wrapper
    constructor = cfg.pop('constructor')
    if amp:
        for wrapper in cfg.values():
            wrapper['type'] = 'MixedPrecisionOptimWrapper'
    return OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type=constructor, optim_wrapper_cfg=cfg))(
            model)


def seg_sample(h: int,
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


def uda_batch(num_classes: int = 4,
              source_hw=(64, 64),
              target_hw=(48, 64),
              seed: int = 0) -> dict:
    """A paired batch as UDADataset + pseudo_collate produce it."""
    gen = torch.Generator().manual_seed(seed)
    return dict(
        source=dict(
            inputs=[torch.rand(3, *source_hw, generator=gen) * 255],
            data_samples=[seg_sample(*source_hw, num_classes, seed=seed)]),
        target=dict(
            inputs=[torch.rand(3, *target_hw, generator=gen) * 255],
            data_samples=[seg_sample(*target_hw, num_classes,
                                     labelled=False)]))


def load_tool(relpath: str):
    """Import a script under ``tools/`` (e.g. ``'train.py'``) as a module."""
    import importlib.util
    path = osp.join(REPO_ROOT, 'tools', relpath)
    name = 'udaplug_tool_' + relpath.replace('/', '_')[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_config(path, base: str, body: str = '') -> str:
    """Write a config file at ``path`` that inherits ``base`` (a path
    relative to the repository's ``configs/`` or absolute) and adds
    ``body`` (config-file text)."""
    if not osp.isabs(base):
        base = osp.join(REPO_ROOT, 'configs', base)
    with open(path, 'w') as f:
        f.write(f'_base_ = [{base!r}]\n{body}\n')
    return str(path)


def demo_overrides(demo_data: str,
                   size=(128, 64),
                   batch_size: int = 1,
                   paired: bool = True) -> str:
    """Config text pointing a demo config at the tiny ``demo_data`` fixture,
    at ``size`` (width, height), without worker processes. ``paired``: the
    config trains on a UDADataset (else on the source dataset alone)."""
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


def shrink_for_cpu(cfg,
                   data_roots: dict,
                   size=(128, 64),
                   iters: int = 1,
                   work_dir: str = None):
    """Make a real config trainable for ``iters`` iterations on tiny data:
    ``data_roots`` maps the config's data roots to the test's, every Resize
    uses ``size``, no worker processes, batch size 1, no ``load_from``.
    Everything else (model, losses, optimizers) stays as configured."""
    from udaplug.apis import set_data_roots, visit_dataloaders

    def shrink(node):
        if node.get('type') == 'Resize':
            node['scale'] = tuple(size)
        if 'num_workers' in node:
            node.update(num_workers=0, persistent_workers=False, batch_size=1)

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

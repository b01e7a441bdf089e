"""Fixtures of the pipeline tests: stage configs on the tiny demo pair
(``demo_data``), shrunk to train a couple of iterations in seconds."""
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SIZE = (64, 32)  # (width, height) images are resized to for training

# A hook the stage configs use: records the iteration training starts at
# (``start_iters.txt`` in the work dir) and, once, stops training with an
# error after a given iteration when a flag file names the work dir.
HOOKS_MODULE = '''
import os
import os.path as osp
from mmengine.hooks import Hook
from udaplug.registry import HOOKS


@HOOKS.register_module()
class RecordStartHook(Hook):
    priority = 'LOWEST'  # after the checkpoint hook

    def __init__(self, interrupt_at=None, flag=None):
        self.interrupt_at = interrupt_at
        self.flag = flag

    def before_train(self, runner):
        with open(osp.join(runner.work_dir, 'start_iters.txt'), 'a') as f:
            f.write(f'{runner.iter}\\n')

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if self.interrupt_at is None or runner.iter + 1 != self.interrupt_at:
            return
        if self.flag and osp.isfile(self.flag):
            with open(self.flag) as f:
                where = f.read().strip()
            if where and where in runner.work_dir:
                os.remove(self.flag)
                raise RuntimeError('simulated interruption')
'''


def data_text(demo_root: str, size=SIZE) -> str:
    """Config text: pipelines at ``size`` and the demo pair's datasets as
    helper variables (``_gta5``, ``_cityscapes_train``, ``_synthia``,
    ``_cityscapes_val``)."""
    return f'''
_demo = {demo_root!r}
_size = {tuple(size)!r}
_source_pipeline = [
    dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
    dict(type='Resize', scale=_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5), dict(type='PackSegInputs')]
_synthia_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthFromFile', depth_range=(0, 10000), normalize=True),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5), dict(type='PackSegInputs')]
_target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5), dict(type='PackSegInputs')]
_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=_size, keep_ratio=False),
    dict(type='LoadAnnotations'), dict(type='PackSegInputs')]
_gta5 = dict(type='GTA5Dataset', data_root=_demo + '/gta5',
             pipeline=_source_pipeline)
_synthia = dict(type='SynthiaDataset', data_root=_demo + '/synthia',
                data_prefix=dict(img_path='RGB', seg_map_path='GT/LABELS',
                                 depth_path='Depth/Depth'),
                pipeline=_synthia_pipeline)
_cityscapes_train = dict(type='CityscapesDataset',
                         data_root=_demo + '/cityscapes',
                         data_prefix=dict(img_path='leftImg8bit/train'),
                         pipeline=_target_pipeline)
_cityscapes_val = dict(type='CityscapesDataset',
                       data_root=_demo + '/cityscapes',
                       data_prefix=dict(img_path='leftImg8bit/val',
                                        seg_map_path='gtFine/val'),
                       pipeline=_test_pipeline)
'''


def runtime_text(iters: int, hooks: str = '[]') -> str:
    """Config text: ``iters`` iterations, a checkpoint each, no validation
    (tools/test.py can test a stage's checkpoint), no loader workers."""
    return f'''
train_cfg = dict(max_iters={iters}, val_interval=1000)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
custom_hooks = {hooks}
test_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                       dataset=_cityscapes_val)
val_dataloader = None
val_cfg = None
val_evaluator = None
'''


def write(path, text: str) -> str:
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


_R18_16 = '''
model = dict(segmentor=dict(decode_head=dict(num_classes=16),
                            auxiliary_head=dict(num_classes=16)))
_classes = dict(classes=_base_.synthia_classes)
test_dataloader = dict(test_dataloader,
                       dataset=dict(_cityscapes_val, metainfo=_classes))
'''


def _source_only_16(path, demo_root: str, iters: int, hooks: str,
                    train_dataloader: str) -> str:
    """configs/demo/source_only_demo.py with SYNTHIA's 16 classes on demo
    data, with the given training set (config text)."""
    base = osp.join(REPO_ROOT, 'configs', 'demo', 'source_only_demo.py')
    classes = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets',
                       'synthia_classes.py')
    return write(
        path, f'_base_ = [{base!r}, {classes!r}]\n' + data_text(demo_root) +
        runtime_text(iters, hooks) + _R18_16 + train_dataloader)


def source_only_config(path,
                       demo_root: str,
                       iters: int = 2,
                       hooks: str = '[]') -> str:
    """The 16-class source-only network on paired demo data (SYNTHIA ->
    Cityscapes, the target reading SYNTHIA's 16 of its 19 classes):
    SourceOnly ignores the target half; the target set is the one
    pseudo-labels are written for."""
    return _source_only_16(
        path, demo_root, iters, hooks, '''
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(_delete_=True, type='UDADataset', source=_synthia,
                 target=dict(_cityscapes_train, metainfo=_classes)))
''')


def self_train_config(path,
                      demo_root: str,
                      iters: int = 2,
                      hooks: str = '[]') -> str:
    """Self-training: the network of :func:`source_only_config` trained on
    the source set plus the pseudo-labelled target set (a ConcatDataset);
    the second dataset reads the pseudo-labels tools/pseudo_label.py writes
    to work_dirs/pseudo_labels (a pipeline replaces it)."""
    return _source_only_16(
        path, demo_root, iters, hooks, '''
_pseudo_labelled = dict(
    _cityscapes_train,
    metainfo=_classes,
    data_prefix=dict(img_path='leftImg8bit/train',
                     seg_map_path='work_dirs/pseudo_labels/labels'),
    seg_map_suffix='_pseudo_labelTrainIds.png',
    pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
              *_target_pipeline[1:]])
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    # label_map: the target maps Cityscapes' 19 label-file classes to 16
    dataset=dict(_delete_=True, type='ConcatDataset', ignore_keys='label_map',
                 datasets=[_synthia, _pseudo_labelled]))
''')


def gioada_config(path, demo_root: str, iters: int = 1) -> str:
    """configs/demo/gioada_adapt_demo.py (SYNTHIA with depth -> Cityscapes, 16
    classes) with very narrow networks."""
    base = osp.join(REPO_ROOT, 'configs', 'demo', 'gioada_adapt_demo.py')
    return write(
        path, f'_base_ = [{base!r}]\n' + data_text(demo_root) +
        runtime_text(iters) + '''
model = dict(
    segmentor=dict(backbone=dict(base_channels=4, fc_channels=16),
                   decode_head=dict(in_channels=16)),
    generators=dict(gen_img=dict(base_channels=4, num_blocks=1)),
    discriminators=dict(disc_img=dict(base_channels=4),
                        disc_output=dict(base_channels=4)))
_classes = dict(classes=_base_.synthia_classes)
train_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(source=_synthia,
                 target=dict(_cityscapes_train, metainfo=_classes)))
test_dataloader = dict(test_dataloader,
                       dataset=dict(_cityscapes_val, metainfo=_classes))
''')


@pytest.fixture(scope='module')
def hooks_module(tmp_path_factory):
    """``pipeline_test_hooks`` (RecordStartHook), importable."""
    import sys
    folder = tmp_path_factory.mktemp('hooks')
    write(folder / 'pipeline_test_hooks.py', HOOKS_MODULE)
    sys.path.insert(0, str(folder))
    yield str(folder)
    sys.path.remove(str(folder))


@pytest.fixture(scope='session')
def pipeline_helpers():
    """The config writers above, for the test modules of this folder."""
    import types
    return types.SimpleNamespace(
        REPO_ROOT=REPO_ROOT,
        SIZE=SIZE,
        data_text=data_text,
        runtime_text=runtime_text,
        write=write,
        source_only_config=source_only_config,
        self_train_config=self_train_config,
        gioada_config=gioada_config)

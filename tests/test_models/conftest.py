"""Fixtures of the model tests: tiny AdaptSegNet models, their optimizers
and paired batches (the GIO-Ada ones are in ``tests/conftest.py``, the
engine tests use them too)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

CONFIGS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')
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

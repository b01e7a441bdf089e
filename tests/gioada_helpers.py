"""Small GIO-Ada models, optimizers and batches for fast CPU tests."""
import copy
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
    'joint': {'disc_output': lambda c: c + 1},
    'semantic': {'disc_output': lambda c: c},
    'depth': {'disc_output': lambda c: 1},
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


def optim_wrappers(model, lr: float = 2e-4, scales: dict = None,
                   wrapper=RecordingOptimWrapper) -> OptimWrapperDict:
    scales = scales or {}
    names = ['segmentor', *model.generator_names, *model.discriminator_names]
    return OptimWrapperDict(
        **{
            name: wrapper(
                torch.optim.Adam(
                    getattr(model, name).parameters(), lr=lr,
                    betas=(0.5, 0.999)),
                scale=scales.get(name, 1.0))
            for name in names
        })


def depth_sample(h: int, w: int, num_classes: int, labelled: bool = True,
                 depth: bool = True, seed: int = 0,
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
        sample.gt_depth_map = PixelData(data=torch.rand(1, h, w,
                                                        generator=gen))
    return sample


def gioada_batch(num_classes: int = 4, source_hw=(32, 64), target_hw=(32, 48),
                 depth: bool = True, seed: int = 0) -> dict:
    """A paired batch as UDADataset + pseudo_collate produce it, the source
    with labels and normalised depth."""
    gen = torch.Generator().manual_seed(seed)
    return dict(
        source=dict(
            inputs=[torch.randint(0, 256, (3, *source_hw), generator=gen,
                                  dtype=torch.uint8)],
            data_samples=[
                depth_sample(*source_hw, num_classes, depth=depth, seed=seed)
            ]),
        target=dict(
            inputs=[torch.randint(0, 256, (3, *target_hw), generator=gen,
                                  dtype=torch.uint8)],
            data_samples=[
                depth_sample(*target_hw, num_classes, labelled=False,
                             depth=False, seed=seed + 1)
            ]))

"""Small Brehm et al. (sci2i) models, optimizers and batches for fast CPU
tests (importable as ``from sci2i_helpers import ...``)."""
import copy
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SCI2I_MODEL = osp.join(REPO_ROOT, 'configs', '_base_', 'models',
                       'sci2i_vgg16.py')
C = 4


def shrink_networks(cfg: Config, num_classes: int = C) -> Config:
    """The networks of configs/_base_/models/sci2i_vgg16.py, shrunk (in
    place): a narrow VGG DeepLab-v2 without pretrained weights, a narrow
    generator, a discriminator with a narrow random VGG."""
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


def tiny_cfg(num_classes: int = C) -> Config:
    return shrink_networks(Config.fromfile(SCI2I_MODEL), num_classes)


def build_model(cfg: dict, seed: int = 0):
    from udaplug.registry import MODELS
    torch.manual_seed(seed)
    model = MODELS.build(copy.deepcopy(cfg))
    model.init_weights()
    return model.train()


def sgd_optimizers(model, lr: float = 1.0):
    """Plain SGD (lr 1, no momentum) for every trainable network: a step
    subtracts the gradient, which tests compare with reference
    gradients."""
    from udaplug.registry import OPTIM_WRAPPER_CONSTRUCTORS
    cfg = dict(default=dict(optimizer=dict(type='SGD', lr=lr)))
    return OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='UDAOptimWrapperConstructor', optim_wrapper_cfg=cfg))(
            model)


def sample(h, w, num_classes=C, labelled=True, seed=0, name='img.png'):
    s = SegDataSample()
    if labelled:
        gen = torch.Generator().manual_seed(seed)
        s.gt_sem_seg = PixelData(
            data=torch.randint(0, num_classes, (1, h, w), generator=gen))
    s.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w), img_path=name))
    return s


def batch(n=2,
          hw=(32, 32),
          num_classes=C,
          target_labels=False,
          translated=False,
          seed=0):
    """A paired batch as the UDA datasets and pseudo_collate produce it;
    ``target_labels``: target pseudo-labels as gt_sem_seg; ``translated``:
    a 'translated' domain with the source labels."""
    gen = torch.Generator().manual_seed(seed)

    def images():
        return [torch.rand(3, *hw, generator=gen) * 255 for _ in range(n)]

    data = dict(
        source=dict(
            inputs=images(),
            data_samples=[
                sample(*hw, num_classes, seed=seed + i, name=f'src{i}.png')
                for i in range(n)
            ]),
        target=dict(
            inputs=images(),
            data_samples=[
                sample(
                    *hw,
                    num_classes,
                    labelled=target_labels,
                    seed=seed + 100 + i,
                    name=f'tgt{i}.png') for i in range(n)
            ]))
    if translated:
        data['translated'] = dict(
            inputs=images(),
            data_samples=[s.clone() for s in data['source']['data_samples']])
    return data

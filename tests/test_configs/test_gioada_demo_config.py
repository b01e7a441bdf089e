"""The GIO-Ada demo: the pipelines configs/demo/gioada_demo.py (warm-up,
then GIO-Ada) and gioada_non_adapt_demo.py (warm-up, then the control),
the adaptation stage's settings and one real iteration (plus validation) on
a tiny copy of the demo pair."""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

DEMO_DIR = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    'demo')
DEMO = osp.join(DEMO_DIR, 'gioada_adapt_demo.py')


def test_demo_settings():
    cfg = Config.fromfile(DEMO)
    m = cfg.model
    assert m.type == 'GIOAda'
    assert (m.input_level, m.output_level) == (True, True)
    assert (m.transform_inputs, m.output_alignment) == ('both', 'joint')
    # runs offline: He init, no ImageNet weights
    assert m.segmentor.backbone.init_cfg == dict(
        type='Kaiming', layer='Conv2d')
    assert m.segmentor.decode_head.in_channels == \
        m.segmentor.backbone.fc_channels
    assert m.generators.gen_img.in_channels == 3 + 16 + 1
    assert cfg.train_cfg.max_iters == 5 * 200  # after a 10-epoch warm-up
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.train_dataloader.batch_size == 1  # Sec. 3.5
    source = cfg.train_dataloader.dataset.source
    assert source.data_root == 'data/demo/synthia'
    depth = [t for t in source.pipeline if t['type'] == 'LoadDepthFromFile']
    assert depth and depth[0]['normalize']
    assert depth[0]['depth_range'] == (0, 10000)
    from udaplug.datasets.demo import DEMO_DEPTH_RANGE
    assert tuple(depth[0]['depth_range']) == tuple(DEMO_DEPTH_RANGE)
    assert cfg.val_evaluator.all_name == 'mIoU16'


def _stage_configs(pipeline):
    """(name, config as trained but for references) of each stage."""
    from udaplug.pipelines import PipelineRunner
    runner = PipelineRunner(Config.fromfile(osp.join(DEMO_DIR, pipeline)))
    stages = []
    for node in runner._flat():
        cfg = Config.fromfile(osp.join(DEMO_DIR, node.settings['config']))
        stages.append((node.name, cfg, node.settings.get('cfg_options', {})))
    return stages


def test_demo_pipelines_share_warm_up_and_schedule():
    """GIO-Ada and its control: the same warm-up, then the same task network
    trained as long on the same data from the warm-up's checkpoint."""
    method = _stage_configs('gioada_demo.py')
    control = _stage_configs('gioada_non_adapt_demo.py')
    assert [s[0] for s in method] == ['warm_up', 'gioada']
    assert [s[0] for s in control] == ['warm_up', 'non_adapt']
    warm = method[0][1]
    assert warm.to_dict() == control[0][1].to_dict()
    assert warm.model.input_level is False and warm.model.generators is None
    assert warm.train_cfg.max_iters == 10 * 200  # Sec. 3.5: 10 epochs
    for (_, cfg, options) in (method[1], control[1]):
        assert options == {'load_from': '@warm_up.checkpoint'}
    adapt, plain = method[1][1], control[1][1]
    assert (adapt.model.input_level, adapt.model.output_level) == (True, True)
    assert (plain.model.input_level, plain.model.output_level) == (False,
                                                                   False)
    assert plain.model.generators is None and \
        plain.model.discriminators is None
    for key in ('train_cfg', 'train_dataloader', 'randomness'):
        assert adapt[key] == plain[key], key
    for cfg in (warm, plain):
        assert cfg.model.segmentor == adapt.model.segmentor
        assert cfg.optim_wrapper == adapt.optim_wrapper


def test_demo_one_iteration(tmp_path, write_demo, one_iteration_cfg,
                            run_one_iteration, networks_of):
    demo = write_demo(str(tmp_path / 'demo'))
    cityscapes = osp.join(demo, 'cityscapes')
    cfg = one_iteration_cfg(
        DEMO,
        str(tmp_path / 'work'),
        dict(
            source=osp.join(demo, 'synthia'),
            target=cityscapes,
            val=cityscapes),
        num_classes=16)
    result = run_one_iteration(cfg, tmp_path)
    assert networks_of(result['state_dict']) == {
        'segmentor', 'gen_img', 'disc_img', 'disc_output'
    }
    assert {'mIoU16', 'mIoU13', 'loss_adv_img',
            'loss_adv_output'} <= set(result['scalars'])
    assert glob.glob(str(tmp_path / 'work' / 'vis' / 'iter_*.png'))


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason='known: the demo generator starts as a pixel checkerboard '
    '(CycleGAN init) that only fades after ~150 iterations with a warmed-up '
    'task network (docs/gioada.md, "Translated images")')
def test_demo_translations_are_not_checkerboard_noise(tmp_path, write_demo):
    """The demo's generator, from the demo's initialisation and through a
    few GIO-Ada iterations on demo images at the demo's 128x64, should
    translate into images, not noise: the share of the translations'
    variance at periods under 4 pixels near the demo images' (0.05-0.07),
    far from white noise's 0.74.

    It does not today (about 0.72: the transposed convolutions' Gaussian
    init; a bilinear init of them starts smooth but the lattice comes back
    within 100 iterations of training), hence the strict xfail: once the
    demo's translations are no longer noise this test passes, the xfail
    fails, and the mark must go."""
    from mmengine.dataset import pseudo_collate

    from udaplug.registry import DATASETS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS
    from udaplug.visualization import high_frequency_fraction
    demo = write_demo(str(tmp_path / 'demo'), size=(128, 64))
    cfg = Config.fromfile(DEMO)
    data = cfg.train_dataloader.dataset
    data.source.data_root = osp.join(demo, 'synthia')
    data.target.data_root = osp.join(demo, 'cityscapes')
    for pipeline in (data.source.pipeline, data.target.pipeline):
        for t in pipeline:
            if t['type'] == 'RandomFlip':
                t['prob'] = 0.0
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    optim_cfg = copy.deepcopy(cfg.optim_wrapper.to_dict())
    wrappers = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type=optim_cfg.pop('constructor'), optim_wrapper_cfg=optim_cfg))(
            model)
    dataset = DATASETS.build(data)
    batches = [pseudo_collate([dataset[i]]) for i in range(len(dataset))]

    def translations():
        with torch.no_grad():
            source = model.data_preprocessor(
                pseudo_collate([dataset[i] for i in range(len(dataset))]),
                True)['source']
            fake = model.translate(
                'gen_img',
                model.generator_input(source['inputs'],
                                      source['data_samples']),
                wrapped=False)
        return high_frequency_fraction(fake).item(), \
            high_frequency_fraction(source['inputs']).item()

    shares = [translations()[0]]
    for step in range(4):
        model.train_step(batches[step % len(batches)], wrappers)
        shares.append(translations()[0])
    images = translations()[1]
    assert images < 0.1
    assert max(shares) < 3 * images, shares

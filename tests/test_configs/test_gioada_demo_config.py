"""The GIO-Ada demo: the pipelines configs/demo/gioada_demo.py (warm-up,
then GIO-Ada) and gioada_non_adapt_demo.py (warm-up, then the control),
the adaptation stage's settings and one real iteration (plus validation) on
a tiny copy of the demo pair."""
import glob
import os.path as osp

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
    assert cfg.train_cfg.max_iters == 50 * 200  # after a 10-epoch warm-up
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

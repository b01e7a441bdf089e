"""configs/demo/gioada_demo.py: its settings and one real iteration (plus
validation) on a tiny copy of the demo pair."""
import glob
import os.path as osp

from mmengine.config import Config

DEMO = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    'demo', 'gioada_demo.py')


def test_demo_settings():
    cfg = Config.fromfile(DEMO)
    m = cfg.model
    assert m.type == 'GIOAda'
    assert (m.input_level, m.output_level) == (True, True)
    assert (m.transform_inputs, m.output_alignment) == ('both', 'joint')
    assert m.segmentor.backbone.init_cfg is None  # runs offline
    assert m.segmentor.decode_head.in_channels == \
        m.segmentor.backbone.fc_channels
    assert m.generators.gen_img.in_channels == 3 + 16 + 1
    assert cfg.train_cfg.max_iters == 10 * 200
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

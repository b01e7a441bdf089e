"""One real training iteration (plus a validation) of each GIO-Ada config on
tiny native-format data."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from udaplug.apis import trainable_networks
from udaplug.engine.optimizers import plan_optimizers

CONFIGS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')

ALL_NETWORKS = {'segmentor', 'gen_img', 'disc_img', 'disc_output'}


@pytest.fixture(scope='module')
def data(tmp_path_factory, write_vkitti, write_kitti, write_demo):
    root = tmp_path_factory.mktemp('data')
    return dict(
        vkitti=write_vkitti(str(root / 'vkitti')),
        kitti=write_kitti(str(root / 'kitti')),
        demo=write_demo(str(root / 'demo')))


def _config(name):
    return osp.join(CONFIGS, name)


def test_vkitti2kitti_settings():
    cfg = Config.fromfile(_config('gioada_vkitti2kitti.py'))
    assert cfg.train_cfg.max_iters == 10 * 21260  # 10 epochs, Sec. 3.5
    assert cfg.train_dataloader.batch_size == 1
    m = cfg.model
    assert m.segmentor.decode_head.num_classes == 10
    assert m.generators.gen_img.in_channels == 3 + 10 + 1
    assert m.discriminators.disc_output.in_channels == 10 + 1
    assert (m.input_loss_weight, m.output_loss_weight) == (0.1, 0.001)
    assert m.segmentor.decode_head.depth_loss_weight == 0.1
    plan = plan_optimizers(
        trainable_networks(m), {
            k: v
            for k, v in cfg.optim_wrapper.items() if k != 'constructor'
        })
    assert set(plan) == {'segmentor', 'gen_img', 'disc_img', 'disc_output'}
    for _, wrapper in plan.values():
        optim = wrapper['optimizer']
        assert (optim['type'], optim['lr']) == ('Adam', 2e-4)
    source = cfg.train_dataloader.dataset.source.pipeline
    types = [t['type'] for t in source]
    assert 'LoadDepthFromFile' in types and 'RandomFlip' in types
    assert [t for t in source
            if t['type'] == 'LoadDepthFromFile'][0]['normalize']


def test_synthia_settings():
    cfg = Config.fromfile(_config('gioada_synthia.py'))
    assert cfg.train_cfg.max_iters == 10 * 9400
    assert cfg.model.segmentor.decode_head.num_classes == 16
    assert cfg.model.generators.gen_img.in_channels == 20
    assert cfg.model.discriminators.disc_output.in_channels == 17
    source = cfg.train_dataloader.dataset.source
    assert source.data_prefix.depth_path == 'Depth/Depth'
    types = [t['type'] for t in source.pipeline]
    assert types[:2] == ['LoadImageFromFile', 'LoadDepthFromFile']
    assert 'RandomFlip' in types
    assert 'RandomFlip' in [
        t['type'] for t in cfg.train_dataloader.dataset.target.pipeline
    ]
    assert cfg.val_evaluator.all_name == 'mIoU16'
    assert 'mIoU13' in cfg.val_evaluator.subsets


def test_vkitti2kitti_one_iteration(data, tmp_path, one_iteration_cfg,
                                    run_one_iteration, networks_of):
    cfg = one_iteration_cfg(
        _config('gioada_vkitti2kitti.py'),
        str(tmp_path / 'work'),
        dict(source=data['vkitti'], target=data['kitti'], val=data['kitti']),
        num_classes=10)
    result = run_one_iteration(cfg, tmp_path)
    assert networks_of(result['state_dict']) == ALL_NETWORKS
    scalars = result['scalars']
    for key in ('decode.loss_ce', 'decode.loss_depth', 'loss_adv_img',
                'loss_adv_output', 'disc_img.loss_source',
                'disc_output.loss_target', 'mIoU10'):
        assert key in scalars, key
    assert glob.glob(str(tmp_path / 'work' / 'vis' / 'iter_*.png'))


def test_synthia_one_iteration_logs_miou16_and_miou13(data, tmp_path,
                                                      one_iteration_cfg,
                                                      run_one_iteration,
                                                      networks_of):
    demo = data['demo']
    cfg = one_iteration_cfg(
        _config('gioada_synthia.py'),
        str(tmp_path / 'work'),
        dict(
            source=osp.join(demo, 'synthia'),
            target=osp.join(demo, 'cityscapes'),
            val=osp.join(demo, 'cityscapes')),
        num_classes=16)
    result = run_one_iteration(cfg, tmp_path)
    assert networks_of(result['state_dict']) == ALL_NETWORKS
    scalars = result['scalars']
    assert {'mIoU16', 'mIoU13', 'decode.loss_depth'} <= set(scalars)

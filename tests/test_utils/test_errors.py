import pytest
import torch
from mmengine.config import Config

from udaplug.apis import build_runner, load_config
from udaplug.registry import MODELS
from udaplug.utils import (ConfigNotFoundError, UnknownTypeError,
                           explain_unknown_types)


def test_missing_config_path_names_the_path_and_suggests_configs(tmp_path):
    with pytest.raises(ConfigNotFoundError) as err:
        load_config('configs/adaptsegnet_gat.py')
    message = str(err.value)
    assert 'configs/adaptsegnet_gat.py' in message
    assert 'configs/adaptsegnet_gta.py' in message  # did you mean


def test_train_tool_reports_missing_config(load_tool):
    train = load_tool('train.py')
    with pytest.raises(ConfigNotFoundError, match='no_such_config.py'):
        train.main(['no_such_config.py'])


def test_unknown_type_names_type_and_registries():
    cfg = dict(
        type='MultiOutputEncoderDecoder',
        backbone=dict(type='ResNetV9'),
        decode_head=dict(
            type='FCNHead', in_channels=8, channels=8, num_classes=2))
    with pytest.raises(UnknownTypeError) as err, explain_unknown_types():
        MODELS.build(cfg)
    message = str(err.value)
    assert '"ResNetV9"' in message
    assert 'udaplug::model -> mmseg::model -> mmengine::model' in message
    assert 'custom_imports' in message
    assert 'mmagic.' in message
    assert 'ResNetV1c' in message  # close match suggested


def test_unknown_type_from_runner_is_explained(tmp_path):
    cfg = Config(
        dict(
            default_scope='udaplug',
            work_dir=str(tmp_path),
            model=dict(type='NoSuchSegmentor')))
    with pytest.raises(UnknownTypeError, match='NoSuchSegmentor'):
        build_runner(cfg)


def test_other_key_errors_pass_through():
    with pytest.raises(KeyError) as err, explain_unknown_types():
        raise KeyError('something else')
    assert not isinstance(err.value, UnknownTypeError)


def test_missing_load_from_checkpoint_says_what_to_do(tmp_path):
    cfg = Config(
        dict(
            model=dict(type='NoSuchSegmentor'),
            work_dir=str(tmp_path),
            load_from=str(tmp_path / 'init.pth')))
    with pytest.raises(FileNotFoundError) as err:
        build_runner(cfg)
    assert str(tmp_path / 'init.pth') in str(err.value)
    assert 'load_from=None' in str(err.value)


def _config(write_config, tmp_path, base: str, body: str):
    """The config ``base`` (under configs/) with ``body`` added, loaded,
    with its work dir in ``tmp_path``."""
    cfg = load_config(write_config(tmp_path / 'cfg.py', base, body))
    cfg.work_dir = str(tmp_path / 'work')
    return cfg


def test_class_count_mismatch_fails_before_training(tmp_path, demo_data,
                                                    demo_overrides,
                                                    write_config):
    from udaplug.datasets import ClassMismatchError
    cfg = _config(
        write_config, tmp_path, 'demo/adaptsegnet_demo.py',
        demo_overrides(demo_data) + '''
model = dict(
    segmentor=dict(decode_head=dict(num_classes=5),
                   auxiliary_head=dict(num_classes=5)),
    discriminators=dict(disc_main=dict(in_channels=5),
                        disc_aux=dict(in_channels=5)))
''')
    with pytest.raises(ClassMismatchError) as err:
        build_runner(cfg)
    assert 'num_classes=5' in str(err.value)
    assert '19 classes' in str(err.value)
    assert 'GTA5Dataset' in str(err.value)


def test_depth_missing_where_the_model_needs_it_fails_before_training(
        tmp_path, demo_data, write_config):
    from udaplug.datasets import DepthNotFoundError
    cfg = _config(
        write_config, tmp_path, 'demo/gioada_adapt_demo.py', f'''
train_dataloader = dict(dataset=dict(source=dict(
    data_root={demo_data!r} + '/synthia',
    pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
              dict(type='PackSegInputs')])))
''')
    with pytest.raises(DepthNotFoundError) as err:
        build_runner(cfg)
    assert 'SynthiaDataset' in str(err.value)
    assert 'gt_depth_map' in str(err.value)


def test_more_processes_than_gpus_is_refused_before_training(monkeypatch):
    """tools/dist_train.sh CONFIG 2 on a machine with one GPU: a clear error
    from setup_launcher (mmengine would fail later with an IndexError in
    its logger); as many processes as GPUs pass."""
    from udaplug.apis.runner import setup_launcher
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    monkeypatch.setenv('LOCAL_WORLD_SIZE', '2')
    with pytest.raises(
            RuntimeError, match=r'2 training processes .* 1 visible GPU'):
        setup_launcher(Config(), 'pytorch')
    monkeypatch.setenv('LOCAL_WORLD_SIZE', '1')
    cfg = Config()
    setup_launcher(cfg, 'pytorch')
    assert cfg.launcher == 'pytorch'


def test_target_pseudo_labels_missing_fails_before_training(
        tmp_path, demo_data, demo_overrides, write_config):
    """Musto & Zinelli's segmentation stage trains on target pseudo-labels
    (``required_target_keys``): on a target set that loads no labels it
    stops before training, naming the dataset and how to get them (without
    the check it would fail at the first iteration instead)."""
    from udaplug.datasets import MissingLabelsError
    cfg = _config(
        write_config, tmp_path, 'demo/sai2i_demo_segmentation.py',
        demo_overrides(demo_data) + '''
model = dict(segmentor=dict(init_cfg=None))
''')
    with pytest.raises(MissingLabelsError) as err:
        build_runner(cfg)
    assert 'SAI2I needs labels of the target images' in str(err.value)
    assert 'CityscapesDataset' in str(err.value)
    assert demo_data + '/cityscapes' in str(err.value)
    assert 'pseudo_label.py' in str(err.value)
    # the same target with its labels loaded passes the check
    cfg.train_dataloader.dataset.target.pipeline.insert(
        1, dict(type='LoadAnnotations'))
    build_runner(cfg)

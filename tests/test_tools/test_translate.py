"""tools/translate.py: translated source images with labels and depth, in a
layout the source dataset class reads back."""
import copy
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from udaplug.registry import DATASETS, MODELS


@pytest.fixture(scope='module')
def setup(tmp_path_factory, repo_root, write_demo, one_iteration_cfg,
          load_tool):
    tmp = tmp_path_factory.mktemp('translate')
    demo = write_demo(str(tmp / 'demo'))
    cityscapes = osp.join(demo, 'cityscapes')
    cfg = one_iteration_cfg(
        osp.join(repo_root, 'configs', 'gioada_synthia.py'),
        str(tmp / 'work'),
        dict(
            source=osp.join(demo, 'synthia'),
            target=cityscapes,
            val=cityscapes),
        num_classes=16)
    return dict(
        demo=demo,
        cfg=cfg,
        tmp=tmp,
        **_translate_with_new_model(cfg, tmp, 0, load_tool))


def _translate_with_new_model(cfg, folder, seed: int, load_tool) -> dict:
    """Save ``cfg`` and a model built from it (seeded) in ``folder``, and
    run tools/translate.py with them into ``folder/out``."""
    cfg_path = str(folder / 'config.py')
    cfg.dump(cfg_path)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    ckpt = str(folder / 'model.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    out = str(folder / 'out')
    info = load_tool('translate.py').main(
        [cfg_path, ckpt, '--out', out, '--device', 'cpu'])
    return dict(
        cfg_path=cfg_path, ckpt=ckpt, out=out, info=info, model=model.eval())


def _without_flip(dataset_cfg):
    """The dataset of ``dataset_cfg`` without its random flip."""
    dataset_cfg = dict(dataset_cfg)
    dataset_cfg['pipeline'] = [
        t for t in dataset_cfg['pipeline'] if t['type'] != 'RandomFlip'
    ]
    return DATASETS.build(dataset_cfg)


def _read(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert img is not None, path
    return img


def test_layout_labels_and_depth(setup):
    out, synthia = setup['out'], osp.join(setup['demo'], 'synthia')
    assert setup['info']['num_images'] == 2 and setup['info']['depth']
    for stem in ('0000000', '0000001'):
        image = _read(osp.join(out, 'images', stem + '.png'))
        assert image.shape == (32, 64, 3) and image.dtype == np.uint8
        source = _read(osp.join(synthia, 'RGB', stem + '.png'))
        assert not np.array_equal(image, source)  # translated
        np.testing.assert_array_equal(
            _read(osp.join(out, 'labels', stem + '_labelTrainIds.png')),
            _read(
                osp.join(synthia, 'GT', 'LABELS',
                         stem + '_labelTrainIds.png')))
        depth = _read(osp.join(out, 'depth', stem + '_depth.png'))
        assert depth.dtype == np.uint16
        np.testing.assert_array_equal(
            depth,
            _read(osp.join(synthia, 'Depth', 'Depth', stem + '_depth_cm.png')))
    with open(osp.join(out, 'translate_info.json')) as f:
        info = json.load(f)
    assert info['model'] == 'GIOAda'
    # the classes the labels index (tools/analysis/class_colours.py reads
    # them): the SYNTHIA-16 set of the GIO-Ada configs
    from udaplug.datasets.label_sets import SYNTHIA_CLASSES
    assert info['classes'] == list(SYNTHIA_CLASSES)


def test_images_are_the_model_translation(setup):
    cfg, model = setup['cfg'], setup['model']
    dataset = _without_flip(cfg.train_dataloader.dataset.source.to_dict())
    data = model.data_preprocessor(pseudo_collate([dataset[0]]), True)
    with torch.no_grad():
        rgb = model.translate_source(data['inputs'], data['data_samples'])
    expected = (rgb[0].permute(1, 2, 0).numpy() * 255).round()
    written = _read(osp.join(setup['out'], 'images', '0000000.png'))
    np.testing.assert_allclose(written[..., ::-1], expected, atol=1)


def test_generator_gets_the_labels_of_its_class_selection(
        setup, tmp_path, one_iteration_cfg, load_tool):
    """A source read with a class selection (``metainfo`` classes, so
    mmseg's ``label_map`` renumbers the label files' values): G_img gets the
    labels in the 13-class space it was trained in, while the written label
    files keep the source files' values."""
    from udaplug.datasets.label_sets import SYNTHIA13_CLASSES
    cfg = one_iteration_cfg(
        setup['cfg'],
        str(tmp_path / 'work'),
        dict(
            source=osp.join(setup['demo'], 'synthia'),
            target=osp.join(setup['demo'], 'cityscapes'),
            val=osp.join(setup['demo'], 'cityscapes')),
        num_classes=13)
    source = cfg.train_dataloader.dataset.source
    source.metainfo = dict(classes=list(SYNTHIA13_CLASSES))
    run = _translate_with_new_model(cfg, tmp_path, 1, load_tool)
    model, out = run['model'], run['out']

    sample = _without_flip(source.to_dict())[0]
    labels = sample['data_samples'].gt_sem_seg.data
    assert labels.max() < 13 or labels.max() == 255  # model space
    file_labels = _read(
        osp.join(setup['demo'], 'synthia', 'GT', 'LABELS',
                 '0000000_labelTrainIds.png'))
    # the fixture has classes the selection renumbers or drops
    assert (file_labels[file_labels < 255] >= 13).any()
    data = model.data_preprocessor(pseudo_collate([sample]), True)
    with torch.no_grad():
        rgb = model.translate_source(data['inputs'], data['data_samples'])
    expected = (rgb[0].permute(1, 2, 0).numpy() * 255).round()
    written = _read(osp.join(out, 'images', '0000000.png'))
    np.testing.assert_allclose(written[..., ::-1], expected, atol=1)
    np.testing.assert_array_equal(
        _read(osp.join(out, 'labels', '0000000_labelTrainIds.png')),
        file_labels)


def test_reduce_zero_label_source_reads_back_alike(setup, tmp_path, load_tool):
    """A source read with ``reduce_zero_label`` (file value 0 -> 255,
    v -> v - 1): the written label files read back as the source's labels,
    not reduced a second time."""
    cfg = copy.deepcopy(setup['cfg'])
    cfg.train_dataloader.dataset.source.reduce_zero_label = True
    run = _translate_with_new_model(cfg, tmp_path, 2, load_tool)
    source = _without_flip(cfg.train_dataloader.dataset.source.to_dict())
    written = Config.fromfile(osp.join(run['out'], 'translated_source.py'))
    back = _without_flip(written.translated_source.to_dict())
    file_labels = _read(
        osp.join(setup['demo'], 'synthia', 'GT', 'LABELS',
                 '0000000_labelTrainIds.png'))
    assert (file_labels == 0).any() and (file_labels == 255).any()
    for i in range(2):
        expected = source[i]['data_samples'].gt_sem_seg.data
        assert (expected == 255).any() and (expected < 255).any()
        assert torch.equal(back[i]['data_samples'].gt_sem_seg.data, expected)
    # the files: the source's values, its ignored 255s written as 0
    np.testing.assert_array_equal(
        _read(osp.join(run['out'], 'labels', '0000000_labelTrainIds.png')),
        np.where(file_labels == 255, 0, file_labels))


def test_file_value_lut():
    from udaplug.pipelines.offline import file_value_lut

    class Dataset:
        metainfo = dict(reduce_zero_label=True)

    assert file_value_lut(Dataset())[[0, 1, 14, 254, 255]].tolist() == \
        [1, 2, 15, 255, 0]
    Dataset.metainfo = dict(reduce_zero_label=False)
    assert np.array_equal(file_value_lut(Dataset()), np.arange(256))


def test_model_space_lut():
    """Labels read without the class selection -> class indices: the
    selection's label_map, nothing else (reduce_zero_label is applied when
    the labels are read, before the map)."""
    from udaplug.pipelines.offline import model_space_lut

    class Dataset:
        metainfo = dict(label_map={0: 255, 1: 0, 2: 1}, reduce_zero_label=True)

    lut = model_space_lut(Dataset())
    # 0 -> 255, 1 -> 0, 2 -> 1; 3 (not in the map) and 255 stay
    assert lut[[0, 1, 2, 3, 255]].tolist() == [255, 0, 1, 3, 255]
    Dataset.metainfo = dict(label_map=None)
    assert np.array_equal(model_space_lut(Dataset()), np.arange(256))


def test_written_config_reads_back(setup):
    cfg = Config.fromfile(osp.join(setup['out'], 'translated_source.py'))
    dataset_cfg = cfg.translated_source
    assert dataset_cfg.type == 'SynthiaDataset'
    assert dataset_cfg.data_prefix.depth_path == 'depth'
    assert dataset_cfg.pipeline == \
        setup['cfg'].train_dataloader.dataset.source.pipeline

    dataset = _without_flip(dataset_cfg)
    assert len(dataset) == 2
    sample = dataset[0]['data_samples']
    assert sample.img_path.endswith(osp.join('images', '0000000.png'))
    # labels and depth read back as the source's (depth normalised alike)
    source = _without_flip(setup['cfg'].train_dataloader.dataset.source)
    expected = source[0]['data_samples']
    assert torch.equal(sample.gt_sem_seg.data, expected.gt_sem_seg.data)
    assert torch.equal(sample.gt_depth_map.data, expected.gt_depth_map.data)


def test_model_without_generator_is_refused(setup, tmp_path, load_tool):
    cfg = Config.fromfile(setup['cfg_path'])
    cfg.model.update(input_level=False, transform_inputs=None, generators=None)
    del cfg.model.discriminators['disc_img']
    path = str(tmp_path / 'output_only.py')
    cfg.dump(path)
    with pytest.raises(TypeError, match='has no source-to-target generator'):
        load_tool('translate.py').main(
            [path, setup['ckpt'], '--out',
             str(tmp_path / 'o')])


def test_source_without_labels_and_source_config(setup, tmp_path, load_tool):
    """A config whose source pipeline loads no labels (e.g. a translation
    stage trained on unlabelled crops) is refused before anything is
    written, with the way out; --source-config takes the source set of
    another config, and the model translates it as before."""
    tool = load_tool('translate.py')
    cfg = Config.fromfile(setup['cfg_path'])
    source = cfg.train_dataloader.dataset.source
    source.pipeline = [
        t for t in source.pipeline if t['type'] != 'LoadAnnotations'
    ]
    path = str(tmp_path / 'unlabelled_source.py')
    cfg.dump(path)
    out = tmp_path / 'refused'
    with pytest.raises(
            ValueError,
            match=r'the source set SynthiaDataset \(data_root .*synthia\) '
            r'loads no labels(.|\n)*--source-config'):
        tool.main([path, setup['ckpt'], '--out', str(out)])
    assert not out.exists() or not any(out.iterdir())
    out = str(tmp_path / 'other_source')
    info = tool.main([
        path, setup['ckpt'], '--out', out, '--source-config',
        setup['cfg_path'], '--device', 'cpu'
    ])
    assert info['num_images'] == setup['info']['num_images']
    for stem in ('0000000', '0000001'):
        for part in ('images', 'labels'):
            suffix = '.png' if part == 'images' else '_labelTrainIds.png'
            np.testing.assert_array_equal(
                _read(osp.join(out, part, stem + suffix)),
                _read(osp.join(setup['out'], part, stem + suffix)))

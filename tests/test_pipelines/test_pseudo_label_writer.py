"""tools/pseudo_label.py and the pseudo-label writer: files in the target
dataset's own label-file space, thresholds as BDL / Musto & Zinelli, a
dataset config that reads them back; and the errors for pseudo-labels that
are missing, incomplete or do not fit."""
import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from udaplug.datasets.label_sets import CITYSCAPES_CLASSES
from udaplug.models.uda.pseudo_labels import (class_thresholds,
                                              confidence_pseudo_labels)
from udaplug.pipelines import PseudoLabelError, check_pseudo_label_dataset
from udaplug.registry import DATASETS, MODELS

BINS = 1 << 16


@pytest.fixture(scope='module')
def written(tmp_path_factory, demo_data, pipeline_helpers, load_tool):
    """A randomly initialised 16-class model (SYNTHIA classes) and the
    pseudo-labels tools/pseudo_label.py writes with BDL's thresholds for
    the demo target (Cityscapes files, 19 classes)."""
    tmp = tmp_path_factory.mktemp('pseudo_labels')
    config = pipeline_helpers.source_only_config(tmp / 'model.py', demo_data)
    cfg = Config.fromfile(config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    # a classifier that spreads its predictions over several classes
    with torch.no_grad():
        for conv in model.segmentor.decode_head.aspp_convs:
            conv.weight.normal_(0, 0.3)
    ckpt = str(tmp / 'model.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    out = str(tmp / 'out')
    info = load_tool('pseudo_label.py').main(
        [config, ckpt, '--out', out, '--threshold', 'classwise'])
    return dict(
        cfg=cfg,
        config=config,
        ckpt=ckpt,
        out=out,
        info=info,
        model=model.eval(),
        tmp=tmp)


def target_probs(written):
    """Softmax predictions for each target training image at its original
    size, through the model's predict mode (one image at a time)."""
    target = dict(written['cfg'].train_dataloader.dataset.target.to_dict())
    target['pipeline'] = [
        t for t in target['pipeline'] if t['type'] != 'RandomFlip'
    ]
    dataset = DATASETS.build(target)
    probs = {}
    for i in range(len(dataset)):
        sample = dataset[i]
        with torch.no_grad():
            result = written['model'].test_step(pseudo_collate([sample]))[0]
        stem = osp.relpath(sample['data_samples'].img_path,
                           dataset.data_prefix['img_path'])
        stem = stem[:-len('_leftImg8bit.png')]
        probs[stem] = torch.softmax(result.seg_logits.data, dim=0)
    return probs


def label_path(out, stem):
    return osp.join(out, 'labels', stem + '_pseudo_labelTrainIds.png')


def test_classwise_labels_by_hand(written):
    probs = target_probs(written)
    assert len(probs) == 4
    everything = torch.stack(list(probs.values()))
    exact = class_thresholds(everything)  # BDL over the whole set
    info = written['info']
    got = torch.tensor(info['threshold']['values'])
    assert ((exact - got) < 1.0 / BINS).all() and (got <= exact + 1e-7).all()
    predicted = set(everything.argmax(1).unique().tolist())
    assert len(predicted) >= 3  # a test with several classes
    # file value of the model's class i: its Cityscapes train id
    synthia = info['classes']
    lut = np.array([CITYSCAPES_CLASSES.index(c) for c in synthia] + [255])
    for stem, p in probs.items():
        expected = confidence_pseudo_labels(p[None], got)[0].numpy()
        expected = lut[np.where(expected == 255, len(synthia), expected)]
        written_file = cv2.imread(
            label_path(written['out'], stem), cv2.IMREAD_UNCHANGED)
        assert written_file.shape == (64, 128)  # the image's own size
        np.testing.assert_array_equal(written_file, expected)
    ignored = (confidence_pseudo_labels(everything, got) == 255).sum()
    assert info['ignored_pixels'] == int(ignored) > 0
    assert sum(info['class_pixels']) + ignored == 4 * 64 * 128


def test_info_file(written):
    with open(osp.join(written['out'], 'pseudo_label_info.json')) as f:
        info = json.load(f)
    assert info['status'] == 'complete' and info['num_images'] == 4
    assert len(info['classes']) == info['num_classes'] == 16
    assert info['file_classes'] == list(CITYSCAPES_CLASSES)
    assert info['threshold']['mode'] == 'classwise'
    assert (info['threshold']['quantile'], info['threshold']['cap']) == \
        (0.5, 0.9)
    assert info['checkpoint'] == written['ckpt']
    assert sorted(info['images']) == sorted(target_probs(written))
    assert all(size == [64, 128] for size in info['images'].values())


def test_dataset_config_reads_labels_back(written):
    """The written config reads the files through the dataset's label_map
    back into the model's 16 classes."""
    cfg = Config.fromfile(
        osp.join(written['out'], 'pseudo_labelled_target.py'))
    dataset_cfg = cfg.pseudo_labelled_target.to_dict()
    types = [t['type'] for t in dataset_cfg['pipeline']]
    assert types[:2] == ['LoadImageFromFile', 'LoadAnnotations']
    dataset_cfg['pipeline'] = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs')
    ]
    dataset = DATASETS.build(dataset_cfg)
    thresholds = torch.tensor(written['info']['threshold']['values'])
    probs = target_probs(written)
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        stem = osp.basename(sample.img_path)[:-len('_leftImg8bit.png')]
        stem = [s for s in probs if s.endswith(stem)][0]
        expected = confidence_pseudo_labels(probs[stem][None], thresholds)
        assert torch.equal(sample.gt_sem_seg.data, expected)


def test_fixed_threshold_and_no_threshold(written, tmp_path):
    from udaplug.pipelines import write_pseudo_labels
    probs = target_probs(written)
    for threshold, expected_mode in ((0.5, 'fixed'), (None, 'none')):
        out = str(tmp_path / str(threshold))
        info = write_pseudo_labels(
            written['cfg'],
            written['ckpt'],
            out,
            threshold=threshold,
            quiet=True)
        assert info['threshold']['mode'] == expected_mode
        for stem, p in probs.items():
            labels = confidence_pseudo_labels(p[None], threshold)[0]
            kept = labels != 255
            got = cv2.imread(label_path(out, stem), cv2.IMREAD_UNCHANGED)
            assert np.array_equal(got == 255, ~kept.numpy())
            if threshold is None:
                assert kept.all()
            else:  # Musto & Zinelli: keep pixels with max prob >= 0.5
                assert torch.equal(kept, p.max(0).values >= 0.5)


# --- bad input --------------------------------------------------------------


@pytest.fixture
def copy(written, tmp_path):
    """A copy of the written pseudo-labels and the dataset config reading
    it."""
    out = str(tmp_path / 'copy')
    shutil.copytree(written['out'], out)
    cfg = Config.fromfile(
        osp.join(written['out'], 'pseudo_labelled_target.py'))
    dataset = cfg.pseudo_labelled_target.to_dict()
    dataset['data_prefix']['seg_map_path'] = osp.join(out, 'labels')
    return out, dataset


def _first_label(out):
    for folder, _, files in sorted(os.walk(osp.join(out, 'labels'))):
        for name in sorted(files):
            return osp.join(folder, name)


def test_good_copy_passes(copy):
    out, dataset = copy
    assert check_pseudo_label_dataset(dataset, num_classes=16)['status'] == \
        'complete'


def test_missing_folder(copy, tmp_path):
    _, dataset = copy
    dataset['data_prefix']['seg_map_path'] = str(tmp_path / 'none' / 'labels')
    with pytest.raises(
            PseudoLabelError,
            match='pseudo-label folder not found: .*none/labels.*'
            'tools/pseudo_label.py'):
        check_pseudo_label_dataset(dataset)


def test_missing_or_unfinished_info(copy):
    out, dataset = copy
    info_path = osp.join(out, 'pseudo_label_info.json')
    with open(info_path) as f:
        info = json.load(f)
    with open(info_path, 'w') as f:
        json.dump(dict(info, status='incomplete'), f)
    with pytest.raises(PseudoLabelError, match='incomplete'):
        check_pseudo_label_dataset(dataset)
    os.remove(info_path)
    with pytest.raises(PseudoLabelError, match='no pseudo_label_info.json'):
        check_pseudo_label_dataset(dataset)


def test_image_without_label(copy):
    out, dataset = copy
    first = _first_label(out)
    os.remove(first)
    image = osp.basename(first).replace('_pseudo_labelTrainIds.png',
                                        '_leftImg8bit.png')
    with pytest.raises(
            PseudoLabelError,
            match=f'incomplete(.|\n)*{image}(.|\n)*'
            f'{osp.basename(first)}'):
        check_pseudo_label_dataset(dataset)


def test_wrong_size(copy):
    out, dataset = copy
    first = _first_label(out)
    label = cv2.imread(first, cv2.IMREAD_UNCHANGED)
    cv2.imwrite(first,
                cv2.resize(label, (64, 32), interpolation=cv2.INTER_NEAREST))
    with pytest.raises(
            PseudoLabelError,
            match=f'{osp.basename(first)}: wrong size 64x32.*is 128x64'):
        check_pseudo_label_dataset(dataset)


def test_values_outside_the_class_set(copy):
    out, dataset = copy
    first = _first_label(out)
    label = cv2.imread(first, cv2.IMREAD_UNCHANGED)
    label[0, :3] = 9  # terrain: a Cityscapes class SYNTHIA's 16 lack
    label[1, :3] = 19  # no class at all
    cv2.imwrite(first, label)
    with pytest.raises(
            PseudoLabelError,
            match=rf'{osp.basename(first)}: holds the values \[9, 19\]'):
        check_pseudo_label_dataset(dataset)


def test_written_for_another_class_set(copy):
    _, dataset = copy
    dataset.pop('metainfo')  # the dataset now reads all 19 classes
    with pytest.raises(
            PseudoLabelError,
            match='written for another class set(.|\n)*16 '
            'classes(.|\n)*19 classes'):
        check_pseudo_label_dataset(dataset)


def test_model_with_other_classes(copy):
    _, dataset = copy
    with pytest.raises(PseudoLabelError, match='model predicts 19 classes'):
        check_pseudo_label_dataset(dataset, num_classes=19)


def test_training_refuses_missing_pseudo_labels(pipeline_helpers, demo_data,
                                                tmp_path):
    """A training config reading pseudo-labels that were never written
    stops before training, saying how to write them."""
    from udaplug.apis import build_runner
    cfg = Config.fromfile(
        pipeline_helpers.self_train_config(tmp_path / 'self_train.py',
                                           demo_data))
    cfg.work_dir = str(tmp_path / 'work')
    with pytest.raises(
            PseudoLabelError,
            match='pseudo-label folder not found.*'
            'work_dirs/pseudo_labels/labels'):
        build_runner(cfg)


def test_model_num_classes_from_declared_interfaces(build_gioada):
    """The class count comes from BaseUDASegmentor.num_classes or an mmseg
    encoder-decoder's decode head, not from any attribute of that name."""
    from torch import nn

    from udaplug.pipelines.pseudo_label_writer import model_num_classes
    model = build_gioada(num_classes=5)
    assert model_num_classes(model) == 5
    # GIO-Ada's segmentation network is a udaplug encoder-decoder
    assert model_num_classes(model.seg_model) == 5
    other = nn.Conv2d(3, 3, 1)
    other.num_classes = 7
    assert model_num_classes(other) is None

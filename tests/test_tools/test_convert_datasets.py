"""tools/convert_datasets: exact train ids, depth files, class statistics
and the problem report, on tiny native-format fixtures."""
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from udaplug.datasets.converters import (LabelFormatError, convert_cityscapes,
                                         convert_gta5, convert_kitti,
                                         convert_synscapes, convert_synthia,
                                         convert_vkitti, main,
                                         read_label_ids_and_palette)
from udaplug.utils import DataRootNotFoundError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def read(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert img is not None, path
    return img


def blocks(label, bounds=((0, 3), (3, 6), (6, 9), (9, 12))):
    """The single value of each column block (fails if a block mixes)."""
    values = []
    for a, b in bounds:
        vals = np.unique(label[:, a:b])
        assert len(vals) == 1, (a, b, vals)
        values.append(int(vals[0]))
    return tuple(values)


def stats(path):
    with open(path) as f:
        return json.load(f)


def test_gta5_train_ids_stats_and_report(tmp_path, make_gta5,
                                         id_label_train_ids):
    root = make_gta5(str(tmp_path / 'gta5'), n=2, converted=False)
    label = osp.join(root, 'labels', '00001.png')
    assert Image.open(label).mode == 'P'  # as released
    # what OpenCV makes of it: the palette colours, not the ids
    assert read(label).shape == (8, 12, 3)
    report = convert_gta5(root)
    assert report.exit_code == 0 and report.problems == []
    assert report.num_labels == 2
    out = read(osp.join(root, 'labels', '00001_labelTrainIds.png'))
    assert out.dtype == np.uint8 and out.shape == (8, 12)
    assert blocks(out) == id_label_train_ids
    data = stats(report.stats_file)
    assert report.stats_file == osp.join(root, 'gta5_class_stats.json')
    assert data['images']['labels/00001.png'] == {
        '0': 24,
        '13': 24,
        '10': 24,
        '255': 24
    }
    assert data['total']['13'] == 48
    assert len(data['classes']) == 19
    # converted files are not taken for sources on a second run
    assert convert_gta5(root).num_labels == 2


def test_gta5_corrupt_and_out_of_map_files_are_reported(
        tmp_path, make_gta5, truncate, write_gta5_label):
    root = make_gta5(str(tmp_path / 'gta5'), n=3, converted=False)
    truncate(osp.join(root, 'labels', '00002.png'))
    bad = np.array(Image.open(osp.join(root, 'labels', '00003.png')))
    bad[0, 0] = 40  # not a Cityscapes label id
    bad[1, 1] = 200
    write_gta5_label(osp.join(root, 'labels', '00003.png'), bad)
    report = convert_gta5(root)
    assert report.exit_code == 1
    problems = dict(report.problems)
    assert 'corrupt' in problems[osp.join('labels', '00002.png')]
    assert '40, 200' in problems[osp.join('labels', '00003.png')]
    text = report.format()
    assert '00002.png' in text and '00003.png' in text
    out = read(osp.join(root, 'labels', '00003_labelTrainIds.png'))
    assert out[0, 0] == 255 and out[1, 1] == 255 and out[2, 2] == 0
    assert not osp.exists(osp.join(root, 'labels', '00002_labelTrainIds.png'))


def test_gta5_grey_label_ids_are_accepted(tmp_path, make_gta5, write,
                                          id_label_train_ids):
    root = make_gta5(str(tmp_path / 'gta5'), n=1, converted=False)
    path = osp.join(root, 'labels', '00001.png')
    ids = np.array(Image.open(path))
    write(path, ids)  # 8-bit grey
    assert Image.open(path).mode == 'L'
    report = convert_gta5(root)
    assert report.exit_code == 0, report.format()
    assert blocks(read(osp.join(root, 'labels', '00001_labelTrainIds.png'))) \
        == id_label_train_ids


def test_colour_label_is_refused_naming_file_and_format(
        tmp_path, make_gta5, write):
    """A colour rendering of the labels (what OpenCV makes of GTA5's palette
    files) is not taken for label ids."""
    root = make_gta5(str(tmp_path / 'gta5'), n=2, converted=False)
    path = osp.join(root, 'labels', '00002.png')
    write(path, read(path))  # the palette colours as a BGR image
    report = convert_gta5(root)
    assert report.exit_code == 1
    (rel, message), = report.problems
    assert rel == osp.join('labels', '00002.png')
    assert 'PIL mode RGB' in message and 'palette' in message
    assert not osp.exists(osp.join(root, 'labels', '00002_labelTrainIds.png'))
    assert osp.exists(osp.join(root, 'labels', '00001_labelTrainIds.png'))
    with pytest.raises(LabelFormatError, match='00002.png: a 3-channel'):
        read_label_ids_and_palette(path)


def test_palette_that_is_not_cityscapes_colours_is_reported(
        tmp_path, make_gta5, id_label_train_ids):
    """A palette PNG whose palette does not give its indices the Cityscapes
    colours (e.g. a colour rendering re-saved with a tool's own palette):
    its indices may not be label ids, and the report says so, naming the
    file, the index and both colours."""
    root = make_gta5(str(tmp_path / 'gta5'), n=2, converted=False)
    path = osp.join(root, 'labels', '00002.png')
    img = Image.open(path)
    ids = np.asarray(img)
    palette = np.asarray(img.getpalette(), np.uint8).reshape(-1, 3)
    # the fixture's ids include road (7), whose colour is (128, 64, 128)
    assert 7 in ids and tuple(palette[7]) == (128, 64, 128)
    palette[7] = (10, 20, 30)
    img.putpalette(palette.ravel().tolist())
    img.save(path)
    report = convert_gta5(root)
    assert report.exit_code == 1
    (rel, message), = report.problems
    assert rel == osp.join('labels', '00002.png')
    assert 'palette index 7 has the colour (10, 20, 30)' in message
    assert 'road' in message and '(128, 64, 128)' in message
    # still converted as label ids, like the untouched file
    assert blocks(read(osp.join(root, 'labels', '00002_labelTrainIds.png'))) \
        == id_label_train_ids


def test_cityscapes_names_like_mmseg(tmp_path, make_cityscapes,
                                     id_label_train_ids):
    root = make_cityscapes(str(tmp_path / 'cs'), converted=False)
    report = convert_cityscapes(root)
    assert report.exit_code == 0 and report.num_labels == 4
    out = read(
        osp.join(root, 'gtFine', 'val', 'aachen',
                 'aachen_000000_000001_gtFine_labelTrainIds.png'))
    assert blocks(out) == id_label_train_ids
    # 4 label files (train and val) of 24 pixels per class block
    total = stats(osp.join(root, 'cityscapes_class_stats.json'))['total']
    assert {k: total.get(k) for k in ('0', '13', '10', '255')} == \
        {'0': 96, '13': 96, '10': 96, '255': 96}


@pytest.mark.parametrize('make,convert,label', [
    ('make_kitti', convert_kitti, 'training/semantic/000001_10'),
    ('make_synscapes', convert_synscapes, 'img/class/2'),
])
def test_cityscapes_id_datasets(tmp_path, make, convert, label, request,
                                id_label_train_ids):
    root = request.getfixturevalue(make)(str(tmp_path / 'd'))
    report = convert(root)
    assert report.exit_code == 0 and report.num_labels == 2
    assert blocks(read(osp.join(root, label + '_labelTrainIds.png'))) == \
        id_label_train_ids


def test_synthia_labels_depth_and_stats(tmp_path, make_synthia, synthia_depth,
                                        synthia_label_train_ids):
    root = make_synthia(str(tmp_path / 'synthia'), n=2)
    report = convert_synthia(root)
    assert report.exit_code == 0, report.format()
    out = read(osp.join(root, 'GT', 'LABELS', '0000001_labelTrainIds.png'))
    assert out.dtype == np.uint8
    # 16-class ids: road 0, car 12, terrain -> 255, sky 9
    assert blocks(out) == synthia_label_train_ids
    depth = read(osp.join(root, 'Depth', 'Depth', '0000001_depth_cm.png'))
    assert depth.dtype == np.uint16 and depth.ndim == 2
    np.testing.assert_array_equal(depth, synthia_depth()[..., 0])
    data = stats(report.stats_file)
    assert report.stats_file.endswith('synthia_class_stats.json')
    assert data['depth_unit'] == 'cm'
    assert data['depth_range'] == [100, 100 + 95 * 10]
    assert report.depth_range == (100, 1050)
    assert len(data['classes']) == 16


def test_synthia_wrong_channel_is_detected(tmp_path, make_synthia):
    root = make_synthia(str(tmp_path / 'synthia'), n=1)
    report = convert_synthia(root, channel=1)  # the instance-id channel
    assert report.exit_code == 1
    (path, message), = report.problems
    assert path == osp.join('GT', 'LABELS', '0000000.png')
    assert '500' in message and 'channel' in message and 'R' in message


def test_synthia_bad_depth_is_reported(tmp_path, make_synthia, truncate, write,
                                       synthia_depth):
    root = make_synthia(str(tmp_path / 'synthia'), n=2)
    d = synthia_depth()
    d[..., 1] += 1  # channels no longer identical
    write(osp.join(root, 'Depth', 'Depth', '0000000.png'), d)
    truncate(osp.join(root, 'Depth', 'Depth', '0000001.png'))
    report = convert_synthia(root)
    problems = dict(report.problems)
    assert report.exit_code == 1
    assert 'differ' in problems[osp.join('Depth', 'Depth', '0000000.png')]
    assert 'corrupt' in problems[osp.join('Depth', 'Depth', '0000001.png')]


def test_vkitti_colour_tables(tmp_path, make_vkitti, vkitti_label_train_ids):
    root = make_vkitti(str(tmp_path / 'vkitti'))
    report = convert_vkitti(root)
    assert report.exit_code == 0, report.format()
    assert report.num_labels == 8
    out = read(
        osp.join(root, 'vkitti_1.3.1_scenegt', '0002', 'fog',
                 '00001_labelTrainIds.png'))
    bounds = [(2 * k, 2 * k + 2) for k in range(6)]
    # Road, Car:0, Car:1, Van (-> car), Tree (-> vegetation), GuardRail
    assert blocks(out, bounds) == vkitti_label_train_ids
    assert report.depth_range == (1000, 65535)
    assert report.stats_file == osp.join(root, 'vkitti_class_stats.json')
    assert stats(
        report.stats_file)['depth']['vkitti_1.3.1_scenegt/0001/'
                                    'clone/00000.png'] == [1000, 65535]


def test_vkitti_unknown_colour_and_missing_table(tmp_path, make_vkitti, write):
    root = make_vkitti(
        str(tmp_path / 'vkitti'),
        worlds=('0001', '0002'),
        variations=('clone', ),
        frames=1)
    path = osp.join(root, 'vkitti_1.3.1_scenegt', '0001', 'clone', '00000.png')
    img = read(path)
    img[0, 0] = (1, 2, 3)  # BGR of the colour (3, 2, 1)
    write(path, img)
    os.remove(
        osp.join(root, 'vkitti_1.3.1_scenegt',
                 '0002_clone_scenegt_rgb_encoding.txt'))
    report = convert_vkitti(root)
    assert report.exit_code == 1
    text = report.format()
    assert '(3, 2, 1)' in text and '0001' in text
    assert '0002_clone_scenegt_rgb_encoding.txt' in text


def test_missing_data_root_names_the_path(tmp_path):
    with pytest.raises(DataRootNotFoundError, match='nowhere'):
        convert_gta5(str(tmp_path / 'nowhere'))
    (tmp_path / 'synthia').mkdir()
    with pytest.raises(DataRootNotFoundError, match='LABELS'):
        convert_synthia(str(tmp_path / 'synthia'))


def test_main_parallel(tmp_path, capsys, make_gta5, id_label_train_ids):
    root = make_gta5(str(tmp_path / 'gta5'), n=3, converted=False)
    assert main('gta5', [root, '--nproc', '2']) == 0
    assert 'no problems found' in capsys.readouterr().out
    out = read(osp.join(root, 'labels', '00003_labelTrainIds.png'))
    assert blocks(out) == id_label_train_ids


def test_command_line_exit_code(tmp_path, make_gta5, truncate,
                                id_label_train_ids, subprocess_env):
    root = make_gta5(str(tmp_path / 'gta5'), n=2, converted=False)
    truncate(osp.join(root, 'labels', '00001.png'))
    script = osp.join(REPO, 'tools', 'convert_datasets', 'gta5.py')
    bad = subprocess.run([sys.executable, script, root],
                         capture_output=True,
                         text=True,
                         cwd=REPO,
                         env=subprocess_env())
    assert bad.returncode == 1, bad.stderr
    assert '00001.png' in bad.stdout and 'corrupt' in bad.stdout
    # the intact file is still converted
    assert blocks(read(osp.join(root, 'labels', '00002_labelTrainIds.png'))) \
        == id_label_train_ids

"""tools/analysis/class_colours.py on the demo pair in its on-disk formats:
the target against itself, a recoloured copy of it, the GTA5-style source;
and the errors for incomplete folders."""
import glob
import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest


def _as_set(pairs, root, shift=(0, 0, 0)):
    """Copy (image, label) files into ``root/images`` + ``root/labels``
    (the translate stage's layout), adding ``shift`` (RGB) to each image."""
    os.makedirs(osp.join(root, 'images'))
    os.makedirs(osp.join(root, 'labels'))
    for i, (image, label) in enumerate(pairs):
        rgb = cv2.imread(image)[..., ::-1].astype(np.int64) + np.array(shift)
        assert rgb.min() >= 0 and rgb.max() <= 255
        cv2.imwrite(
            osp.join(root, 'images', f'{i:03d}.png'),
            rgb[..., ::-1].astype(np.uint8))
        shutil.copy(label,
                    osp.join(root, 'labels', f'{i:03d}_labelTrainIds.png'))
    return root


def _as_synthia16_set(pairs, root):
    """:func:`_as_set` with the Cityscapes train ids of the labels mapped to
    SYNTHIA-16 train ids by class name (the others to 255)."""
    from udaplug.datasets.label_sets import (CITYSCAPES_CLASSES,
                                             SYNTHIA_CLASSES, lookup_table)
    lut, _ = lookup_table({
        i: SYNTHIA_CLASSES.index(name)
        for i, name in enumerate(CITYSCAPES_CLASSES) if name in SYNTHIA_CLASSES
    })
    root = _as_set(pairs, root)
    for label in glob.glob(osp.join(root, 'labels', '*.png')):
        cv2.imwrite(label, lut[cv2.imread(label, cv2.IMREAD_UNCHANGED)])
    return root


def test_target_recoloured_and_source(tmp_path, write_demo, load_tool):
    tool = load_tool('analysis/class_colours.py')
    demo = write_demo(str(tmp_path / 'demo'))
    cityscapes = osp.join(demo, 'cityscapes')
    pairs = tool.cityscapes_pairs(cityscapes, 'train')
    assert len(pairs) == 2 and all(osp.isfile(p[1]) for p in pairs)
    # the target's own images in the translated layout: distance 0; the
    # same images with (+6, 0, -8) on every pixel: every class moved by 10
    # (the demo's target colours stay inside 8..249, asserted in _as_set)
    same = _as_set(pairs, str(tmp_path / 'same'))
    shifted = _as_set(pairs, str(tmp_path / 'shifted'), shift=(6, 0, -8))
    out = str(tmp_path / 'colours.json')
    tool.main([
        same, shifted,
        osp.join(demo, 'gta5'), '--cityscapes', cityscapes, '--min-pixels',
        '1', '--out', out
    ])
    with open(out) as f:
        result = json.load(f)
    assert result['size'] == [64, 32]
    r = result['results']
    assert r['target']['class_colour_distance'] == pytest.approx(0, abs=1e-9)
    assert r[same]['class_colour_distance'] == pytest.approx(0, abs=1e-9)
    assert r[same]['gradient'] == pytest.approx(r['target']['gradient'])
    assert r[shifted]['class_colour_distance'] == pytest.approx(10, rel=1e-6)
    # the source has its own palette
    assert r[osp.join(demo, 'gta5')]['class_colour_distance'] > 10


def test_incomplete_folders_are_named(tmp_path, write_demo, load_tool):
    tool = load_tool('analysis/class_colours.py')
    demo = write_demo(str(tmp_path / 'demo'))
    cityscapes = osp.join(demo, 'cityscapes')
    broken = _as_set(
        tool.cityscapes_pairs(cityscapes, 'train'), str(tmp_path / 'set'))
    os.remove(osp.join(broken, 'labels', '001_labelTrainIds.png'))
    with pytest.raises(SystemExit, match=r'001.png: its label .*001_label'):
        tool.main([broken, '--cityscapes', cityscapes])
    with pytest.raises(SystemExit, match='no images in'):
        tool.main([str(tmp_path), '--cityscapes', cityscapes])
    for label in glob.glob(
            osp.join(cityscapes, 'gtFine', 'val', '*', '*TrainIds.png')):
        os.remove(label)
    with pytest.raises(SystemExit, match='its label .*missing.*convert'):
        tool.main([broken, '--cityscapes', cityscapes, '--split', 'val'])


def test_label_sets_map_the_reference_by_class_name(tmp_path, write_demo,
                                                    load_tool):
    from udaplug.datasets.label_sets import SYNTHIA_CLASSES
    tool = load_tool('analysis/class_colours.py')
    demo = write_demo(str(tmp_path / 'demo'))
    cityscapes = osp.join(demo, 'cityscapes')
    pairs = tool.cityscapes_pairs(cityscapes, 'train')
    # the target itself, its labels written as SYNTHIA-16 train ids
    root = _as_synthia16_set(pairs, str(tmp_path / 'as16'))
    right = tool.class_colours([root],
                               cityscapes,
                               label_set='synthia16',
                               min_pixels=1)['results'][root]
    assert right['class_colour_distance'] == pytest.approx(0, abs=1e-9)
    assert all(SYNTHIA_CLASSES[c] not in ('terrain', 'truck', 'train')
               for c in right['classes'])
    # read as Cityscapes train ids, the same labels compare other classes
    wrong = tool.class_colours([root], cityscapes,
                               min_pixels=1)['results'][root]
    assert wrong['class_colour_distance'] > 5
    # a label value outside the label set is named with its file
    label = sorted(glob.glob(osp.join(root, 'labels', '*.png')))[0]
    bad = cv2.imread(label, cv2.IMREAD_UNCHANGED)
    bad[0, 0] = 17
    cv2.imwrite(label, bad)
    with pytest.raises(
            SystemExit,
            match=r'000_labelTrainIds.png: label '
            r'values \[17\] are not train ids of 16 classes of the label '
            r'set synthia16'):
        tool.main(
            [root, '--cityscapes', cityscapes, '--label-set', 'synthia16'])
    # the reference's labels are checked as Cityscapes train ids (here a
    # label id, 26 = car, where a train id belongs)
    ref_label = pairs[1][1]
    wrong_ids = cv2.imread(ref_label, cv2.IMREAD_UNCHANGED)
    wrong_ids[0, :2] = 26
    cv2.imwrite(ref_label, wrong_ids)
    with pytest.raises(
            SystemExit,
            match=r'labelTrainIds.png: label values \[26\] are not train '
            r'ids of 19 classes \(Cityscapes train ids'):
        tool.main(
            [str(tmp_path / 'demo' / 'gta5'), '--cityscapes', cityscapes])


def test_batches_give_the_whole_sets_figures(tmp_path, write_demo, load_tool):
    tool = load_tool('analysis/class_colours.py')
    demo = write_demo(str(tmp_path / 'demo'))
    cityscapes = osp.join(demo, 'cityscapes')
    gta5 = osp.join(demo, 'gta5')
    whole = tool.class_colours([gta5], cityscapes, min_pixels=1)
    one_by_one = tool.class_colours([gta5],
                                    cityscapes,
                                    min_pixels=1,
                                    batch_size=1)
    assert one_by_one['results'][gta5]['classes'] == \
        whole['results'][gta5]['classes']
    for key in ('class_colour_distance', 'gradient',
                'high_frequency_fraction'):
        assert one_by_one['results'][gta5][key] == pytest.approx(
            whole['results'][gta5][key]), key
    # a set given twice would overwrite its own figures
    with pytest.raises(SystemExit, match=r"\['.*gta5'\] given more than"):
        tool.main([gta5, gta5, '--cityscapes', cityscapes])


def test_label_set_from_translate_info(tmp_path, write_demo, load_tool):
    """A translated set's translate_info.json records its source's classes:
    they pick the label set when --label-set is not given, and refuse one
    that does not match (values of 16 classes fit 19 classes, so the label
    values alone cannot tell)."""
    from udaplug.datasets.label_sets import CITYSCAPES_CLASSES, SYNTHIA_CLASSES
    tool = load_tool('analysis/class_colours.py')
    demo = write_demo(str(tmp_path / 'demo'))
    cityscapes = osp.join(demo, 'cityscapes')
    pairs = tool.cityscapes_pairs(cityscapes, 'train')
    root = _as_synthia16_set(pairs, str(tmp_path / 'as16'))
    with open(osp.join(root, 'translate_info.json'), 'w') as f:
        json.dump(dict(status='complete', classes=list(SYNTHIA_CLASSES)), f)
    out = tool.class_colours([root], cityscapes, min_pixels=1)
    assert out['label_set'] == 'synthia16'
    assert out['results'][root]['class_colour_distance'] == pytest.approx(
        0, abs=1e-9)
    with pytest.raises(
            SystemExit,
            match=r'as16/translate_info.json: its labels index 16 classes '
            r'\(road, sidewalk, building, wall, ...\), not the 19 of '
            r'--label-set cityscapes19'):
        tool.main(
            [root, '--cityscapes', cityscapes, '--label-set', 'cityscapes19'])
    # sets recorded with other classes are not compared in one run; a set
    # without translate_info.json (converted GTA5) goes with either
    other = _as_set(pairs, str(tmp_path / 'as19'))
    with open(osp.join(other, 'translate_info.json'), 'w') as f:
        json.dump(dict(classes=list(CITYSCAPES_CLASSES)), f)
    with pytest.raises(SystemExit, match='in separate runs'):
        tool.main([root, other, '--cityscapes', cityscapes])
    both = tool.class_colours([other, osp.join(demo, 'gta5')],
                              cityscapes,
                              min_pixels=1)
    assert both['label_set'] == 'cityscapes19'
    # an unreadable record is named
    with open(osp.join(other, 'translate_info.json'), 'w') as f:
        f.write('{not json')
    with pytest.raises(
            SystemExit, match='as19/translate_info.json: not a '
            'readable'):
        tool.main([other, '--cityscapes', cityscapes])

"""Musto & Zinelli's pipeline (configs/demo/sai2i_demo.py with both rounds
of configs/sai2i_gta_deeplabv2.py) end to end on the tiny demo pair: M0, then
two rounds of translation -> translate -> pseudo-labels (0.9) ->
segmentation, with narrow networks and two or three iterations per train
stage. The first run is interrupted in round 2's segmentation stage, the
second resumes it, the third skips everything; then the bad inputs of the
method's stages."""
import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

DEMO = 'configs/demo/sai2i_demo.py'
ROUND_2 = osp.join('rounds', 'round_1', 'segmentation')
SIZE = (64, 32)

# Narrow networks for 64x32 images: two-conv discriminators (the Table 5
# layout needs >= 64 pixels per side at the coarsest of the three scales).
TRANSLATION = '''
model = dict(
    segmentor=_segmentor,
    generators=dict(
        enc_s=dict(base_channels=4, num_res_blocks=1),
        enc_t=dict(base_channels=4, num_res_blocks=1),
        gen_s=dict(in_channels=16, num_res_blocks=1,
                   spade_cfg=dict(hidden_channels=8)),
        gen_t=dict(in_channels=16, num_res_blocks=1,
                   spade_cfg=dict(hidden_channels=8))),
    discriminators=dict(disc_s=dict(channels=(4, 4)),
                        disc_t=dict(channels=(4, 4))))
_crops = [dict(type='LoadImageFromFile'),
          dict(type='Resize', scale=_size, keep_ratio=False),
          dict(type='RandomCrop', crop_size=(32, 32)),
          dict(type='PackSegInputs')]
train_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(source=dict(_gta5, pipeline=_crops),
                 target=dict(_cityscapes_train, pipeline=_crops)))
custom_hooks = [dict(type='TranslationVisualizationHook', interval=1,
                     out_dir='vis')]
'''
# one model dict per file: a second ``model = ...`` would replace the first
SEGMENTOR = '''
_segmentor = dict(
    backbone=dict(stem_channels=8, base_channels=8),
    decode_head=dict(in_channels=64))
model = dict(segmentor=_segmentor)
'''
SEGMENTATION = '''
model = dict(segmentor=_segmentor,
             discriminators=dict(disc_out=dict(channels=(4, 4, 4, 4))))
train_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(source=_gta5, target=_cityscapes_train))
'''
# M0, adapted by the output-space adversarial loss (source + target); a
# tenth of the demo's learning rate keeps the tiny model's logits moderate
# (at 0.01 they reach ~200 in two steps and every pixel is confident), so
# that the pseudo-label check below sees confident and unconfident pixels
ADAPTED = SEGMENTATION + '''
optim_wrapper = dict(segmentor=dict(optimizer=dict(lr=0.001)))
'''


def _markers(work):
    found = {}
    for folder, _, files in os.walk(work):
        if 'stage_done.json' in files:
            found[osp.relpath(folder, work)] = os.stat(
                osp.join(folder, 'stage_done.json')).st_mtime_ns
    return found


def _status(summary):
    return {entry['key']: entry['status'] for entry in summary}


def _stage_cfg(work, key):
    return Config.fromfile(osp.join(work, key, 'stage_config.py'))


@pytest.fixture(scope='module')
def runs(tmp_path_factory, demo_data, hooks_module, pipeline_helpers,
         load_tool, repo_root):
    h = pipeline_helpers
    tmp = tmp_path_factory.mktemp('sai2i_pipeline')
    flag = str(tmp / 'interrupt')
    data = h.data_text(demo_data, SIZE)

    def stage(name, body, iters=2, hooks='[]'):
        base = osp.join(repo_root, 'configs', 'demo', name)
        return h.write(
            tmp / name, f'_base_ = [{base!r}]\n' + data +
            h.runtime_text(iters, hooks) + SEGMENTOR + body)

    stage('sai2i_demo_adapted.py', ADAPTED)
    stage('sai2i_demo_translation.py', TRANSLATION)
    stage(
        'sai2i_demo_segmentation.py',
        SEGMENTATION,
        iters=3,
        hooks=(f"[dict(type='RecordStartHook', interrupt_at=2, "
               f"flag={flag!r})]"))
    # the demo pipeline with both rounds, reading the stage configs above
    config = h.write(
        tmp / 'sai2i_demo.py', f"_base_ = [{osp.join(repo_root, DEMO)!r}]\n"
        "stages = _base_._two_rounds\n"
        "custom_imports = dict(imports=['pipeline_test_hooks'],\n"
        "                      allow_failed_imports=False)\n")
    work = str(tmp / 'work')
    train = load_tool('train.py')
    argv = [config, '--work-dir', work]
    h.write(flag, ROUND_2)
    with pytest.raises(RuntimeError, match='simulated interruption'):
        train.main(argv)
    after_first = _markers(work)
    second = train.main(argv)
    after_second = _markers(work)
    third = train.main(argv)
    return dict(
        tmp=tmp,
        work=work,
        after_first=after_first,
        after_second=after_second,
        after_third=_markers(work),
        second=second,
        third=third)


def test_two_rounds_interrupted_resumed_skipped(runs):
    round_1 = {
        'adapted', 'translation_1', 'translate_1', 'pseudo_labels_1',
        'segmentation_1'
    }
    r2 = osp.join('rounds', 'round_1')
    assert set(runs['after_first']) == round_1 | {
        osp.join(r2, s)
        for s in ('translation', 'translate', 'pseudo_labels')
    }
    status = _status(runs['second'])
    assert status[ROUND_2] == 'resumed'
    assert all(s == 'skipped' for k, s in status.items() if k != ROUND_2)
    for key, mtime in runs['after_first'].items():
        assert runs['after_second'][key] == mtime, key
    with open(osp.join(runs['work'], ROUND_2, 'start_iters.txt')) as f:
        assert f.read().split() == ['0', '2']
    assert set(_status(runs['third']).values()) == {'skipped'}
    assert runs['after_third'] == runs['after_second']


def test_rounds_hand_over_the_latest_segmentor(runs):
    work = runs['work']
    p = lambda *parts: osp.join(work, *parts)  # noqa: E731
    m0 = p('adapted', 'iter_2.pth')
    m1 = p('segmentation_1', 'iter_3.pth')
    r2 = p('rounds', 'round_1')
    # round 1: M0 guides the translation, writes the pseudo-labels and
    # initialises the segmentation stage
    tr1 = _stage_cfg(work, 'translation_1')
    assert tr1.model.segmentor.init_cfg.checkpoint == m0
    assert tr1.model.segmentor.role == 'frozen'
    with open(p('pseudo_labels_1', 'pseudo_label_info.json')) as f:
        info1 = json.load(f)
    assert info1['checkpoint'] == m0
    assert info1['threshold']['value'] == 0.9
    seg1 = _stage_cfg(work, 'segmentation_1')
    assert seg1.model.segmentor.init_cfg.checkpoint == m0
    assert seg1.train_dataloader.dataset.source.data_root == p('translate_1')
    assert seg1.train_dataloader.dataset.target.data_prefix \
        .seg_map_path == p('pseudo_labels_1', 'labels')
    # round 2: round 1's M everywhere
    tr2 = Config.fromfile(osp.join(r2, 'translation', 'stage_config.py'))
    assert tr2.model.segmentor.init_cfg.checkpoint == m1
    with open(osp.join(r2, 'pseudo_labels', 'pseudo_label_info.json')) as f:
        assert json.load(f)['checkpoint'] == m1
    seg2 = Config.fromfile(osp.join(r2, 'segmentation', 'stage_config.py'))
    assert seg2.model.segmentor.init_cfg.checkpoint == m1
    assert seg2.train_dataloader.dataset.source.data_root == osp.join(
        r2, 'translate')
    # the frozen segmentor of round 2's translation is round 1's M
    tr_ckpt = torch.load(
        osp.join(r2, 'translation', 'iter_2.pth'), weights_only=False)
    m1_ckpt = torch.load(m1, weights_only=False)
    for key, value in m1_ckpt['state_dict'].items():
        if key.startswith('segmentor.'):
            assert torch.equal(tr_ckpt['state_dict'][key], value), key
    # each round translated every source image; the hook drew the panels
    for folder in (p('translate_1'), osp.join(r2, 'translate')):
        with open(osp.join(folder, 'translate_info.json')) as f:
            assert json.load(f)['num_images'] == 8
    assert os.listdir(p('translation_1', 'vis'))


def test_pseudo_labels_keep_only_confident_pixels(runs, demo_data):
    """Eq. 9 with th_SSL = 0.9: the pseudo-label file equals the arg-max of
    M0's softmax where its maximum is >= 0.9, else 255 (recomputed here
    from M0 and the target image)."""
    from mmseg.apis import init_model
    from mmseg.utils import register_all_modules  # noqa: F401
    work = runs['work']
    folder = osp.join(work, 'pseudo_labels_1')
    with open(osp.join(folder, 'pseudo_label_info.json')) as f:
        info = json.load(f)
    name = sorted(info['images'])[0]
    cfg = Config.fromfile(osp.join(work, 'adapted', 'stage_config.py'))
    # the images at the size the stages read them (the writer's pipeline)
    cfg.test_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=SIZE, keep_ratio=False),
        dict(type='PackSegInputs')
    ]
    model = init_model(
        cfg, osp.join(work, 'adapted', 'iter_2.pth'), device='cpu')
    img_path = [
        osp.join(d, f) for d, _, files in os.walk(
            osp.join(demo_data, 'cityscapes', 'leftImg8bit', 'train'))
        for f in files if f.startswith(osp.basename(name) + '_leftImg8bit')
    ]
    assert len(img_path) == 1
    img = cv2.imread(img_path[0])
    from mmseg.apis import inference_model
    result = inference_model(model, img)
    probs = torch.softmax(result.seg_logits.data, dim=0)
    conf, label = probs.max(0)
    expected = torch.where(conf >= 0.9, label, torch.full_like(label, 255))
    files = [
        osp.join(d, f) for d, _, fs in os.walk(osp.join(folder, 'labels'))
        for f in fs
    ]
    written = cv2.imread([
        f for f in files if osp.basename(name).split('_leftImg8bit')[0] in f
    ][0], cv2.IMREAD_UNCHANGED)
    assert written.shape == tuple(expected.shape)
    agree = (torch.from_numpy(written.astype(np.int64)) == expected).float()
    assert agree.mean() > 0.999
    # M0 is confident somewhere and not everywhere: both cases are checked
    assert 0 < (expected == 255).float().mean() < 1


def test_bad_pseudo_labels_are_refused_naming_the_file(runs, tmp_path):
    from udaplug.pipelines import check_derived_datasets
    work = runs['work']
    copy = str(tmp_path / 'pseudo_labels')
    shutil.copytree(osp.join(work, 'pseudo_labels_1'), copy)
    labels = sorted(
        osp.join(d, f) for d, _, fs in os.walk(osp.join(copy, 'labels'))
        for f in fs)
    cfg = _stage_cfg(work, 'segmentation_1')
    cfg.train_dataloader.dataset.target.data_prefix.seg_map_path = osp.join(
        copy, 'labels')
    # another image size
    small = cv2.imread(labels[0], cv2.IMREAD_UNCHANGED)[::2, ::2]
    cv2.imwrite(labels[0], small)
    with pytest.raises(Exception, match=osp.basename(labels[0])):
        check_derived_datasets(cfg)
    shutil.rmtree(copy)
    # another class set: written for a 16-class model
    shutil.copytree(osp.join(work, 'pseudo_labels_1'), copy)
    info_path = osp.join(copy, 'pseudo_label_info.json')
    with open(info_path) as f:
        info = json.load(f)
    info['classes'] = info['classes'][:16]
    info['num_classes'] = 16
    with open(info_path, 'w') as f:
        json.dump(info, f)
    with pytest.raises(
            Exception,
            match='another class set: .*pseudo_label_info.json lists 16'):
        check_derived_datasets(cfg)


def test_incomplete_translated_round_names_the_image(runs, tmp_path):
    from udaplug.pipelines import (IncompleteTranslationError,
                                   check_derived_datasets)
    work = runs['work']
    copy = str(tmp_path / 'translated')
    shutil.copytree(osp.join(work, 'translate_1'), copy)
    image = sorted(os.listdir(osp.join(copy, 'images')))[2]
    os.remove(osp.join(copy, 'images', image))
    cfg = _stage_cfg(work, 'segmentation_1')
    cfg.train_dataloader.dataset.source.data_root = copy
    with pytest.raises(IncompleteTranslationError, match=f'images/{image}'):
        check_derived_datasets(cfg)


def test_translation_checkpoint_of_another_architecture(runs, tmp_path):
    """The translate stage loads strictly: a checkpoint of another model
    (here the segmentation stage's) fails with the keys listed."""
    from udaplug.pipelines.translation import translate_dataset
    work = runs['work']
    cfg = _stage_cfg(work, 'translation_1')
    with pytest.raises(Exception) as err:
        translate_dataset(cfg, osp.join(work, 'segmentation_1', 'iter_3.pth'),
                          str(tmp_path / 'out'))
    message = str(err.value)
    assert 'enc_s.' in message and 'disc_out.' in message

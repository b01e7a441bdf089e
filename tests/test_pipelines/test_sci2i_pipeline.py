"""configs/sci2i_gta.py end to end on the tiny demo pair: its five stages
(warm-up mean teacher -> its teacher's pseudo-labels -> image-to-image
translation -> the source set translated by the EMA generator -> the final
mean teacher) with the real stage configs, shrunk to a few iterations. The
first run is interrupted in the final stage, the second resumes it, the
third skips everything."""
import glob
import json
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config

SIZE = (64, 32)
NUM_SOURCE, NUM_TARGET = 8, 4  # the demo_data fixture

# The networks of configs/_base_/models/sci2i_vgg16.py, narrow and without
# the ImageNet VGG file.
SEG = '''
_seg = dict(backbone=dict(base_channels=4, fc_channels=8, init_cfg=None),
            decode_head=dict(in_channels=8))
'''
MEAN_TEACHER = SEG + '''
model = dict(segmentor=_seg, consistency_start=1)
'''
TRANSLATOR = SEG + '''
model = dict(
    segmentor=_seg,
    generators=dict(gen=dict(channels=(4, 8, 8, 8), style_channels=8,
                             mapping_layers=1)),
    discriminators=dict(disc=dict(vgg_checkpoint=None, vgg_base_channels=4,
                                  decoder_channels=(4, 4))))
'''


def schedule(iters: int, hooks: str, validate: bool = False) -> str:
    val = (f'val_interval={iters}' if validate else 'val_interval=1000')
    return f'''
train_cfg = dict(max_iters={iters}, {val})
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=1, max_keep_ckpts=-1))
custom_hooks = [dict(type='MeanTeacherHook', decay=0.9, buffers='copy'),
                {hooks}]
'''


PIPELINE = '''
_base_ = [{base!r}]
custom_imports = dict(imports=['pipeline_test_hooks'],
                      allow_failed_imports=False)
stages = [
    dict(_base_._warmup, config='warmup.py'),
    _base_._pseudo_labels,
    dict(_base_._translation, config='translation.py'),
    _base_._translate,
    dict(_base_._final, config='final.py'),
]
'''


@pytest.fixture(scope='module')
def runs(tmp_path_factory, demo_data, hooks_module, demo_overrides,
         write_config, load_tool, repo_root):
    tmp = tmp_path_factory.mktemp('sci2i_pipeline')
    flag = str(tmp / 'interrupt')
    record = 'dict(type="RecordStartHook")'
    data = demo_overrides(demo_data, size=SIZE)
    stages = osp.join(repo_root, 'configs', 'sci2i_stages')
    write_config(tmp / 'warmup.py', osp.join(stages, 'sci2i_gta_warmup.py'),
                 data + MEAN_TEACHER + schedule(2, record))
    write_config(
        tmp / 'translation.py', osp.join(stages, 'sci2i_gta_translation.py'),
        data + TRANSLATOR + schedule(
            2, record + ", dict(type='TranslationVisualizationHook', "
            "interval=1, out_dir='vis')") + 'val_dataloader = None\n')
    write_config(
        tmp / 'final.py', osp.join(stages, 'sci2i_gta_final.py'),
        data + MEAN_TEACHER + schedule(
            3,
            f'dict(type="RecordStartHook", interrupt_at=2, flag={flag!r})',
            validate=True))
    config = str(tmp / 'pipeline.py')
    with open(config, 'w') as f:
        f.write(
            PIPELINE.format(
                base=osp.join(repo_root, 'configs', 'sci2i_gta.py')))
    work = str(tmp / 'work')
    train = load_tool('train.py')
    argv = [config, '--work-dir', work]
    with open(flag, 'w') as f:
        f.write(osp.join(work, 'final'))
    with pytest.raises(RuntimeError, match='simulated interruption'):
        train.main(argv)
    first = sorted(
        d for d in os.listdir(work)
        if osp.isfile(osp.join(work, d, 'stage_done.json')))
    second = train.main(argv)
    third = train.main(argv)
    return dict(work=work, first=first, second=second, third=third)


def _status(summary):
    return {entry['key']: entry['status'] for entry in summary}


def _ckpt(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def test_stage_level_resume(runs):
    work = runs['work']
    assert runs['first'] == [
        'pseudo_labels', 'translate', 'translation', 'warmup'
    ]
    assert _status(runs['second']) == dict(
        warmup='skipped',
        pseudo_labels='skipped',
        translation='skipped',
        translate='skipped',
        final='resumed')
    with open(osp.join(work, 'final', 'start_iters.txt')) as f:
        assert f.read().split() == ['0', '2']
    assert set(_status(runs['third']).values()) == {'skipped'}
    # the final stage validated its teacher at the end
    with open(osp.join(work, 'pipeline_outputs.json')) as f:
        outputs = {e['key']: e['outputs'] for e in json.load(f)}
    assert outputs['final']['checkpoint'] == osp.join(work, 'final',
                                                      'iter_3.pth')


def test_pseudo_labels_of_the_warmup_teacher(runs):
    work = runs['work']
    with open(osp.join(work, 'pseudo_labels', 'pseudo_label_info.json')) as f:
        info = json.load(f)
    assert info['status'] == 'complete'
    assert info['checkpoint'] == osp.join(work, 'warmup', 'iter_2.pth')
    assert len(info['images']) == NUM_TARGET
    # no confidence threshold: every pixel is labelled
    files = glob.glob(
        osp.join(work, 'pseudo_labels', 'labels', '**', '*.png'),
        recursive=True)
    assert len(files) == NUM_TARGET
    for name in files:
        assert mmcv.imread(name, 'unchanged').max() < 19, name


def test_translation_stage_gets_the_warmup_teacher_and_pseudo_labels(runs):
    work = runs['work']
    cfg = Config.fromfile(osp.join(work, 'translation', 'stage_config.py'))
    init = cfg.model.segmentor.init_cfg
    assert init.checkpoint == osp.join(work, 'warmup', 'iter_2.pth')
    assert init.prefix == 'teacher.module.'
    target = cfg.train_dataloader.dataset.target
    assert target.data_prefix.seg_map_path == osp.join(work, 'pseudo_labels',
                                                       'labels')
    assert [t['type'] for t in target.pipeline
            ][:2] == ['LoadImageFromFile', 'LoadAnnotations']
    # the frozen segmentor holds M0's teacher, not its student
    warmup = _ckpt(osp.join(work, 'warmup', 'iter_2.pth'))['state_dict']
    trans = _ckpt(osp.join(work, 'translation', 'iter_2.pth'))['state_dict']
    seg = {
        k[len('segmentor.'):]: v
        for k, v in trans.items() if k.startswith('segmentor.')
    }
    assert seg
    for key, value in seg.items():
        assert torch.equal(value, warmup['teacher.module.' + key]), key
    assert any(not torch.equal(v, warmup['segmentor.' + k])
               for k, v in seg.items() if v.is_floating_point())
    assert os.listdir(osp.join(work, 'translation', 'vis'))


def test_final_stage_trains_on_the_translated_source(runs, demo_data):
    work = runs['work']
    with open(osp.join(work, 'translate', 'translate_info.json')) as f:
        info = json.load(f)
    assert info['status'] == 'complete'
    assert info['num_images'] == NUM_SOURCE
    assert info['checkpoint'] == osp.join(work, 'translation', 'iter_2.pth')
    images = sorted(os.listdir(osp.join(work, 'translate', 'images')))
    assert len(images) == NUM_SOURCE
    # translations, not copies: of the source's size, other pixels
    src = mmcv.imread(osp.join(demo_data, 'gta5', 'images', images[0]))
    out = mmcv.imread(osp.join(work, 'translate', 'images', images[0]))
    assert out.shape == (SIZE[1], SIZE[0], 3)
    src = mmcv.imresize(src, SIZE)
    assert np.abs(src.astype(int) - out.astype(int)).mean() > 1
    cfg = Config.fromfile(osp.join(work, 'final', 'stage_config.py'))
    dataset = cfg.train_dataloader.dataset
    assert dataset.type == 'TranslatedSourceUDADataset'
    assert dataset.translated.data_root == osp.join(work, 'translate')
    final = _ckpt(osp.join(work, 'final', 'iter_3.pth'))['state_dict']
    assert {k.split('.')[0] for k in final} >= {'segmentor', 'teacher'}

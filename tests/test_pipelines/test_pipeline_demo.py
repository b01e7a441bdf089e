"""A pipeline config on the tiny demo pair, run by tools/train.py: GIO-Ada
-> translate the source set -> source-only on the translated set -> two
rounds of (pseudo-labels -> self-training on translated source +
pseudo-labelled target). The first run is interrupted in round 2's
training; the second resumes it; the third skips everything."""
import json
import os
import os.path as osp
import shutil

import pytest
import torch
from mmengine.config import Config

PIPELINE = '''
custom_imports = dict(imports=['pipeline_test_hooks'],
                      allow_failed_imports=False)
stages = [
    dict(type='TrainStage', name='gioada', config='gioada.py'),
    dict(type='TranslateStage', name='translate', config='@gioada.config',
         checkpoint='@gioada.checkpoint'),
    dict(type='TrainStage', name='source_only', config='source_only.py',
         cfg_options={
             'train_dataloader.dataset.source': '@translate.dataset'}),
    dict(type='RepeatStages', name='self_training', times=2, stages=[
        dict(type='PseudoLabelStage', name='pseudo_labels',
             config='@self_train.config | @source_only.config',
             checkpoint='@self_train.checkpoint | @source_only.checkpoint',
             dataset='@source_only.config', threshold='classwise'),
        dict(type='TrainStage', name='self_train', config='self_train.py',
             cfg_options={
                 'load_from':
                 '@self_train.checkpoint | @source_only.checkpoint',
                 'train_dataloader.dataset.datasets':
                 ['@translate.dataset', '@pseudo_labels.dataset']}),
    ]),
]
'''
ROUND_2 = osp.join('self_training', 'round_2', 'self_train')


def _markers(work):
    found = {}
    for folder, _, files in os.walk(work):
        if 'stage_done.json' in files:
            found[osp.relpath(folder, work)] = os.stat(
                osp.join(folder, 'stage_done.json')).st_mtime_ns
    return found


@pytest.fixture(scope='module')
def runs(tmp_path_factory, demo_data, hooks_module, pipeline_helpers,
         load_tool):
    h = pipeline_helpers
    tmp = tmp_path_factory.mktemp('pipeline')
    flag = str(tmp / 'interrupt')
    hooks = (f"[dict(type='RecordStartHook', interrupt_at=2, "
             f"flag={flag!r})]")
    h.gioada_config(tmp / 'gioada.py', demo_data)
    h.source_only_config(tmp / 'source_only.py', demo_data)
    h.self_train_config(tmp / 'self_train.py', demo_data, iters=3, hooks=hooks)
    config = h.write(tmp / 'pipeline.py', PIPELINE)
    work = str(tmp / 'work')
    train = load_tool('train.py')
    argv = [config, '--work-dir', work]
    # 1: interrupted after iteration 2 of round 2's training
    h.write(flag, ROUND_2)
    with pytest.raises(RuntimeError, match='simulated interruption'):
        train.main(argv)
    after_first = _markers(work)
    first_files = set(os.listdir(osp.join(work, ROUND_2)))
    # 2: resumes it; 3: nothing left to do
    second = train.main(argv)
    after_second = _markers(work)
    third = train.main(argv)
    return dict(
        tmp=tmp,
        work=work,
        config=config,
        argv=argv,
        after_first=after_first,
        first_files=first_files,
        after_second=after_second,
        after_third=_markers(work),
        second=second,
        third=third,
        train=train)


def _status(summary):
    return {entry['key']: entry['status'] for entry in summary}


def _stage_cfg(work, key):
    return Config.fromfile(osp.join(work, key, 'stage_config.py'))


def test_first_run_stops_in_round_2(runs):
    assert set(runs['after_first']) == {
        'gioada', 'translate', 'source_only',
        'self_training/round_1/pseudo_labels',
        'self_training/round_1/self_train',
        'self_training/round_2/pseudo_labels'
    }
    # the interrupted stage left its checkpoint of iteration 2
    files = runs['first_files']
    assert {'iter_1.pth', 'iter_2.pth', 'last_checkpoint'} <= files
    assert 'iter_3.pth' not in files and 'stage_done.json' not in files


def test_interrupted_stage_resumes(runs):
    status = _status(runs['second'])
    assert status[ROUND_2] == 'resumed'
    assert all(s == 'skipped' for k, s in status.items() if k != ROUND_2)
    # the finished stages were not run again (markers untouched)
    for key, mtime in runs['after_first'].items():
        assert runs['after_second'][key] == mtime, key
    folder = osp.join(runs['work'], ROUND_2)
    with open(osp.join(folder, 'start_iters.txt')) as f:
        assert f.read().split() == ['0', '2']  # started, then resumed at 2
    ckpt = torch.load(
        osp.join(folder, 'iter_3.pth'), map_location='cpu', weights_only=False)
    assert ckpt['meta']['iter'] == 3
    outputs = runs['second'][-1]['outputs']
    assert outputs['checkpoint'] == osp.join(folder, 'iter_3.pth')


def test_rerun_skips_everything(runs):
    assert set(_status(runs['third']).values()) == {'skipped'}
    assert runs['after_third'] == runs['after_second']
    with open(osp.join(runs['work'], 'pipeline_outputs.json')) as f:
        summary = json.load(f)
    assert [e['key'] for e in summary] == [e['key'] for e in runs['third']]


def test_outputs_handed_over(runs):
    work = runs['work']
    p = lambda *parts: osp.join(work, *parts)  # noqa: E731
    # translate: the GIO-Ada stage's model
    with open(p('translate', 'translate_info.json')) as f:
        info = json.load(f)
    assert info['checkpoint'] == p('gioada', 'iter_1.pth')
    assert info['status'] == 'complete' and info['num_images'] == 8
    # source-only trains on the translated set
    source = _stage_cfg(work, 'source_only').train_dataloader.dataset.source
    assert source.data_root == p('translate')
    assert source.data_prefix.depth_path == 'depth'
    r1 = p('self_training', 'round_1')
    r2 = p('self_training', 'round_2')
    # round 1: pseudo-labels of the source-only model (the fallback)
    with open(osp.join(r1, 'pseudo_labels', 'pseudo_label_info.json')) as f:
        info1 = json.load(f)
    assert info1['checkpoint'] == p('source_only', 'iter_2.pth')
    assert info1['config'] == p('source_only', 'stage_config.py')
    assert info1['threshold']['mode'] == 'classwise'
    cfg1 = _stage_cfg(r1, 'self_train')
    assert cfg1.load_from == p('source_only', 'iter_2.pth')
    sets = cfg1.train_dataloader.dataset.datasets
    assert sets[0].data_root == p('translate')
    assert sets[1].data_prefix.seg_map_path == osp.join(
        r1, 'pseudo_labels', 'labels')
    assert sets[1].seg_map_suffix == '_pseudo_labelTrainIds.png'
    # round 2: from round 1's self-trained model
    with open(osp.join(r2, 'pseudo_labels', 'pseudo_label_info.json')) as f:
        info2 = json.load(f)
    assert info2['checkpoint'] == osp.join(r1, 'self_train', 'iter_3.pth')
    assert info2['config'] == osp.join(r1, 'self_train', 'stage_config.py')
    cfg2 = _stage_cfg(r2, 'self_train')
    assert cfg2.load_from == osp.join(r1, 'self_train', 'iter_3.pth')
    assert cfg2.train_dataloader.dataset.datasets[1].data_prefix \
        .seg_map_path == osp.join(r2, 'pseudo_labels', 'labels')


def test_pseudo_labels_in_the_targets_label_space(runs):
    """The demo target reads SYNTHIA's 16 of Cityscapes' 19 classes: the
    files hold Cityscapes train ids, which the dataset maps back."""
    from udaplug.datasets.label_sets import CITYSCAPES_CLASSES
    folder = osp.join(runs['work'], 'self_training', 'round_1',
                      'pseudo_labels')
    with open(osp.join(folder, 'pseudo_label_info.json')) as f:
        info = json.load(f)
    assert info['num_classes'] == 16 and len(info['file_classes']) == 19
    assert info['file_values'] == [
        CITYSCAPES_CLASSES.index(c) for c in info['classes']
    ]
    assert len(info['images']) == 4
    assert all(size == [64, 128] for size in info['images'].values())


def test_changed_stage_is_not_reused(runs):
    """A finished stage whose settings changed stops the pipeline with the
    changed key (here through --cfg-options on the pipeline config)."""
    from udaplug.pipelines import StageChangedError
    with pytest.raises(StageChangedError) as err:
        runs['train'].main(
            runs['argv'] +
            ['--cfg-options', 'stage_cfg_options.randomness.seed=5'])
    assert 'stage "gioada" finished earlier' in str(err.value)
    assert 'fingerprint.randomness.seed' in str(err.value)


def test_incomplete_translation_is_refused(runs, tmp_path):
    """A translated set that lost an image stops training before it
    starts (build_runner checks the config's datasets), naming the
    image."""
    from udaplug.pipelines import (IncompleteTranslationError,
                                   check_derived_datasets)
    copy = str(tmp_path / 'translated')
    shutil.copytree(osp.join(runs['work'], 'translate'), copy)
    os.remove(osp.join(copy, 'images', '0000003.png'))
    cfg = _stage_cfg(runs['work'], 'source_only')
    cfg.train_dataloader.dataset.source.data_root = copy
    with pytest.raises(
            IncompleteTranslationError,
            match=r'1 of 8 translated images are missing:\n  .*'
            r'images/0000003\.png'):
        check_derived_datasets(cfg)


def test_writer_stage_runs_first_in_a_fresh_process(runs, monkeypatch):
    """A pipeline whose first stage to run is a writer (e.g. rerun after its
    train stages finished, in a new process) builds the model and the
    dataset's transforms in the model config's scope: no default scope was
    set by a train stage's runner before (here: none at all)."""
    from collections import OrderedDict

    from mmengine.registry import DefaultScope
    work = runs['work']
    config = str(runs['tmp'] / 'writer.py')
    with open(config, 'w') as f:
        f.write(
            'stages = [dict(type="PseudoLabelStage", name="labels", '
            f'config={osp.join(work, "source_only", "stage_config.py")!r}, '
            f'checkpoint={_checkpoint(work, "source_only")!r}, '
            'threshold=0.5)]\n')
    monkeypatch.setattr(DefaultScope, '_instance_dict', OrderedDict())
    assert DefaultScope.get_current_instance() is None
    summary = runs['train'].main(
        [config, '--work-dir', str(runs['tmp'] / 'w')])
    assert _status(summary) == {'labels': 'ran'}
    assert os.listdir(summary[0]['outputs']['dir'])


def test_tools_take_the_pipeline_config(runs, load_tool, tmp_path):
    """tools/test.py with the pipeline config and a stage's checkpoint tests
    the config that stage trained (the same metrics as with its
    stage_config.py), and so do tools/pseudo_label.py and translate.py; a
    checkpoint without one next to it is refused, listing the stages'
    configs."""
    from udaplug.pipelines import PipelineConfigError
    work = runs['work']
    test = load_tool('test.py')
    ckpt = osp.join(work, 'source_only', 'iter_2.pth')
    stage_cfg = osp.join(work, 'source_only', 'stage_config.py')
    out = str(tmp_path / 'test')
    got = test.main([runs['config'], ckpt, '--work-dir', out])
    direct = test.main([stage_cfg, ckpt, '--work-dir', out])
    assert 'mIoU' in got
    assert {k: v for k, v in got.items() if v == v} == \
        {k: v for k, v in direct.items() if v == v}  # NaN: absent classes
    # the writer tools too
    labels = [
        load_tool('pseudo_label.py').main(
            [config, ckpt, '--out',
             str(tmp_path / f'labels{i}')])['class_pixels']
        for i, config in enumerate((runs['config'], stage_cfg))
    ]
    assert labels[0] == labels[1] and sum(labels[0]) > 0
    gioada = osp.join(work, 'gioada', 'iter_1.pth')
    translated = load_tool('translate.py').main([
        runs['config'], gioada, '--out',
        str(tmp_path / 'translated'), '--max-images', '2'
    ])
    assert translated['num_images'] == 2
    assert translated['model'] == 'GIOAda'
    copied = str(tmp_path / 'model.pth')
    shutil.copy(ckpt, copied)
    with pytest.raises(PipelineConfigError) as err:
        test.main([
            runs['config'], copied, '--work-dir', out, '--cfg-options',
            f'work_dir={work}'
        ])
    message = str(err.value)
    assert 'is a pipeline config (stages [' in message
    assert stage_cfg in message and osp.join(work, 'gioada',
                                             'stage_config.py') in message
    # not told where the pipeline ran: its default work dir has no record
    with pytest.raises(
            PipelineConfigError,
            match=r'pipeline_outputs\.json \(the record of its stages\' '
            r'outputs in its work dir\) does not exist'):
        test.main([runs['config'], copied, '--work-dir', out])


def _checkpoint(work, key):
    with open(osp.join(work, key, 'last_checkpoint')) as f:
        return f.read().strip()


def test_moved_work_dir_is_reused_and_resumes(runs, tmp_path):
    """The whole work dir moved: a rerun at the new place skips every stage,
    the configs the stages wrote read the files at the new place, and a
    stage interrupted before the move resumes there from its checkpoint
    (mmengine's last_checkpoint file still names the old place, which is
    gone). Runs last: it leaves round 2's training rerun."""
    work = runs['work']
    moved = str(tmp_path / 'moved')
    shutil.move(work, moved)
    try:
        argv = [runs['config'], '--work-dir', moved]
        summary = runs['train'].main(argv)
        assert set(_status(summary).values()) == {'skipped'}
        # no file the pipeline reads names the old place any more (comments
        # may: which checkpoint wrote a dataset; and so may the logs and
        # mmengine's own copy of the config)
        read = ('stage_config.py', 'translated_source.py',
                'pseudo_labelled_target.py', 'stage_done.json')
        for parent, _, files in os.walk(moved):
            for name in files:
                if name in read:
                    with open(osp.join(parent, name)) as f:
                        text = [x for x in f if not x.startswith('#')]
                    assert work not in ''.join(text), osp.join(parent, name)
        folder = osp.join(moved, ROUND_2)
        assert summary[-1]['outputs']['checkpoint'] == osp.join(
            folder, 'iter_3.pth')
        cfg = _stage_cfg(moved, ROUND_2)
        assert cfg.load_from == osp.join(moved, 'self_training', 'round_1',
                                         'self_train', 'iter_3.pth')
        assert cfg.work_dir == folder
        sets = cfg.train_dataloader.dataset.datasets
        assert sets[0].data_root == osp.join(moved, 'translate')
        labels = osp.join(moved, 'self_training', 'round_2', 'pseudo_labels',
                          'labels')
        assert sets[1].data_prefix.seg_map_path == labels
        translated = Config.fromfile(
            osp.join(moved, 'translate',
                     'translated_source.py')).translated_source
        assert translated.data_root == osp.join(moved, 'translate')
        # round 2's training as if interrupted after iteration 2, then moved
        assert osp.isfile(osp.join(folder, 'iter_2.pth'))
        os.remove(osp.join(folder, 'stage_done.json'))
        os.remove(osp.join(folder, 'iter_3.pth'))
        with open(osp.join(folder, 'last_checkpoint'), 'w') as f:
            f.write(osp.join(work, ROUND_2, 'iter_2.pth'))
        summary = runs['train'].main(argv)
        status = _status(summary)
        assert status.pop(ROUND_2) == 'resumed'
        assert set(status.values()) == {'skipped'}
        with open(osp.join(folder, 'start_iters.txt')) as f:
            assert f.read().split() == ['0', '2', '2']
        assert osp.isfile(osp.join(folder, 'iter_3.pth'))
    finally:
        shutil.move(moved, work)

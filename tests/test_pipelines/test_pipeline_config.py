"""The pipeline runner with a user-defined stage type (registered through
custom_imports, as docs/pipelines.md shows): references and fallbacks,
rounds, markers and skipping, changed settings, and the errors for
malformed pipeline configs."""
import os
import os.path as osp
import shutil

import pytest
from mmengine.config import Config

from udaplug.pipelines import (PipelineConfigError, StageChangedError,
                               StageReferenceError, UnknownStageTypeError,
                               run_pipeline)

STAGE_MODULE = '''
import os
import os.path as osp

from udaplug.pipelines import BaseStage
from udaplug.registry import STAGES


@STAGES.register_module()
class AddStage(BaseStage):
    """Writes value + add to number.txt in its work dir (appending, so a
    stage run twice shows it)."""
    outputs = ('number', 'file')

    def __init__(self, name, value, add=0):
        super().__init__(name)
        self.value = value
        self.add = add

    def run(self, ctx):
        os.makedirs(ctx.work_dir, exist_ok=True)
        number = self.value + self.add
        path = osp.join(ctx.work_dir, 'number.txt')
        with open(path, 'a') as f:
            f.write(f'{number}\\n')
        return dict(number=number, file=path)
'''

PIPELINE = '''
custom_imports = dict(imports=['pipeline_test_stages'],
                      allow_failed_imports=False)
_add = {add}
stages = [
    dict(type='AddStage', name='start', value={start}),
    dict(type='RepeatStages', name='loop', times=3, stages=[
        dict(type='AddStage', name='step',
             value='@step.number | @start.number', add=_add),
    ]),
    dict(type='AddStage', name='end', value='@step.number'),
]
'''


@pytest.fixture(scope='module')
def stage_module(tmp_path_factory):
    import sys
    folder = tmp_path_factory.mktemp('stages')
    (folder / 'pipeline_test_stages.py').write_text(STAGE_MODULE)
    sys.path.insert(0, str(folder))
    yield str(folder)
    sys.path.remove(str(folder))


def run(tmp_path, text, work='work', **options):
    path = tmp_path / 'pipeline.py'
    path.write_text(text)
    cfg = Config.fromfile(str(path))
    cfg.merge_from_dict(options)
    cfg.work_dir = str(tmp_path / work)
    return run_pipeline(cfg)


def numbers(path):
    with open(path) as f:
        return [int(line) for line in f]


def test_rounds_references_and_skipping(stage_module, tmp_path):
    summary = run(tmp_path, PIPELINE.format(start=1, add=10))
    work = tmp_path / 'work'
    keys = [entry['key'] for entry in summary]
    assert keys == [
        'start', 'loop/round_1/step', 'loop/round_2/step', 'loop/round_3/step',
        'end'
    ]
    # round 1 falls back to start; each later round uses the round before
    got = {entry['key']: entry['outputs']['number'] for entry in summary}
    assert got == {
        'start': 1,
        'loop/round_1/step': 11,
        'loop/round_2/step': 21,
        'loop/round_3/step': 31,
        'end': 31
    }
    for k, value in ((1, 11), (2, 21), (3, 31)):
        folder = work / 'loop' / f'round_{k}' / 'step'
        assert numbers(folder / 'number.txt') == [value]
        assert (folder / 'stage_done.json').is_file()
    assert {entry['status'] for entry in summary} == {'ran'}
    # a rerun runs nothing (each number.txt still has one line) and hands
    # over the recorded outputs
    again = run(tmp_path, PIPELINE.format(start=1, add=10))
    assert {entry['status'] for entry in again} == {'skipped'}
    assert [e['outputs'] for e in again] == [e['outputs'] for e in summary]
    assert numbers(work / 'end' / 'number.txt') == [31]
    # one more round: the first three are skipped, the fourth runs; "end"
    # would now get round 4's 41 instead of 31: its inputs changed, so its
    # old outputs are not reused
    with pytest.raises(
            StageChangedError,
            match=r'stage "end" finished earlier.*changed: '
            r'inputs\.loop/round_3/step, inputs\.loop/round_4/'
            r'step, settings\.value'):
        run(tmp_path,
            PIPELINE.format(start=1, add=10).replace('times=3', 'times=4'))
    assert numbers(work / 'loop' / 'round_4' / 'step' / 'number.txt') == [41]
    assert numbers(work / 'loop' / 'round_3' / 'step' / 'number.txt') == [31]


def test_changed_settings_are_not_reused(stage_module, tmp_path):
    run(tmp_path, PIPELINE.format(start=1, add=10))
    with pytest.raises(
            StageChangedError,
            match=r'stage "loop/round_1/step" finished earlier.*'
            r'changed: settings\.add'):
        run(tmp_path, PIPELINE.format(start=1, add=5))
    # an upstream stage run again with another value: the stage after it
    # sees other inputs
    shutil.rmtree(tmp_path / 'work' / 'start')
    with pytest.raises(
            StageChangedError,
            match=r'"loop/round_1/step".*changed: inputs\.start, '
            r'settings\.value'):
        run(tmp_path, PIPELINE.format(start=2, add=10))


def test_escaped_at_sign(stage_module, tmp_path):
    summary = run(
        tmp_path, '''
custom_imports = dict(imports=['pipeline_test_stages'],
                      allow_failed_imports=False)
stages = [dict(type='AddStage', name='text', value='@@home', add='!')]
''')
    assert summary[0]['outputs']['number'] == '@home!'


BAD = [
    ("stages = [dict(type='AddStag', name='a', value=1)]",
     UnknownStageTypeError, r'unknown stage type "AddStag"\. Did you mean: '
     r'AddStage\?.*custom_imports'),
    ("stages = [dict(type='AddStage', name='a', value=1), "
     "dict(type='AddStage', name='b', value='@aa.number')]",
     StageReferenceError, r'names the stage "aa", which does not exist\. '
     r'Did you mean: a\?'),
    ("stages = [dict(type='AddStage', name='a', value=1), "
     "dict(type='AddStage', name='b', value='@a.numbr')]", StageReferenceError,
     r'has no output "numbr"\. Did you mean: number\?'),
    ("stages = [dict(type='AddStage', name='a', value='@b.number'), "
     "dict(type='AddStage', name='b', value=1)]", StageReferenceError,
     r'no stage named there runs before "a".*fallback'),
    ("stages = [dict(type='AddStage', name='a', value='@a')]",
     StageReferenceError, 'malformed reference "@a"'),
    ("stages = [dict(type='RepeatStages', name='r', times=1, stages=["
     "dict(type='AddStage', name='a', value=1)]), "
     "dict(type='AddStage', name='b', value='@r.number')]",
     StageReferenceError, 'RepeatStages block, which has no outputs'),
    ("stages = [dict(type='AddStage', name='a', value=1), "
     "dict(type='AddStage', name='a', value=2)]", PipelineConfigError,
     r'two stages are called "a" \(stages\[0\] and stages\[1\]\)'),
    ("stages = [dict(type='AddStage', name='a/b', value=1)]",
     PipelineConfigError, 'name must be a string of letters'),
    ("stages = [dict(type='AddStage', name='a', valu=1)]", PipelineConfigError,
     r'stages\[0\] \("a", AddStage\).*valu'),
    ("stages = [dict(type='RepeatStages', name='r', times=0, stages=[])]",
     ValueError, 'times must be an integer >= 1'),
    ("stages = [dict(type='AddStage', name='a', value=1)]\nstage = []",
     PipelineConfigError, r"unknown top-level keys \['stage'\]"),
    ('stages = []', PipelineConfigError, 'non-empty list'),
    ("stages = [dict(type='AddStage', name='a', value=1)]\n"
     "stage_cfg_options = dict(load_from='@a.file')", PipelineConfigError,
     r'stage_cfg_options\.load_from = "@a\.file": references are resolved '
     r"in a stage's own settings only"),
    ("stages = [dict(type='AddStage', name='a', value=1)]\n"
     "data_roots = 'data/demo_dusk'", PipelineConfigError,
     r"data_roots must be a dict of data-root prefixes.*'data/demo_dusk'"),
]


@pytest.mark.parametrize('body,error,match', BAD)
def test_bad_pipeline_configs(stage_module, tmp_path, body, error, match):
    text = ("custom_imports = dict(imports=['pipeline_test_stages'], "
            'allow_failed_imports=False)\n' + body)
    with pytest.raises(error, match=match):
        run(tmp_path, text)
    assert not osp.exists(tmp_path / 'work')  # failed before running


def test_missing_stage_config(tmp_path):
    with pytest.raises(
            FileNotFoundError,
            match='stage "train": Config file not found: '
            '.*missing.py'):
        run(
            tmp_path, "stages = [dict(type='TrainStage', name='train', "
            "config='missing.py')]")


def test_demo_pipeline_config(repo_root):
    """configs/demo/self_training_demo.py: its stages, references and stage
    configs check out (nothing runs)."""
    from udaplug.pipelines import PipelineRunner
    from udaplug.pipelines.pseudo_label_writer import target_dataset_cfg
    path = osp.join(repo_root, 'configs', 'demo', 'self_training_demo.py')
    runner = PipelineRunner(Config.fromfile(path))
    assert [n.name for n in runner._flat()] == [
        'source_only', 'self_training', 'pseudo_labels', 'self_train'
    ]
    block = runner.nodes[1]
    assert block.settings['times'] == 2
    labels = block.children[0].settings
    assert (labels['threshold'], labels['cap']) == ('classwise', 0.9)
    folder = osp.dirname(path)
    target = target_dataset_cfg(
        Config.fromfile(osp.join(folder, labels['dataset'])))
    assert target['data_prefix']['img_path'] == 'leftImg8bit/train'
    round_cfg = Config.fromfile(
        osp.join(folder, 'self_training_round_demo.py'))
    sets = round_cfg.train_dataloader.dataset.datasets
    assert [d.type for d in sets] == ['GTA5Dataset', 'CityscapesDataset']
    assert sets[1].seg_map_suffix == '_pseudo_labelTrainIds.png'


def test_train_stage_settings(repo_root, tmp_path):
    """A train stage's config: the pipeline's stage_cfg_options, then its
    own cfg_options (a dict a reference stood for replaces, others merge),
    its work dir, --amp on every optimizer, the last checkpoint saved."""
    from udaplug.pipelines import PipelineRunner, StageContext
    from udaplug.pipelines.references import ResolvedDict
    config = osp.join(repo_root, 'configs', 'demo', 'source_only_demo.py')
    cfg = Config(
        dict(
            stages=[dict(type='TrainStage', name='train', config=config)],
            stage_cfg_options=dict(
                train_cfg=dict(max_iters=7), randomness=dict(seed=3)),
            work_dir=str(tmp_path)))
    runner = PipelineRunner(cfg, amp=True)
    node = runner.nodes[0]
    settings = dict(
        node.settings,
        cfg_options={
            'randomness.seed': 4,
            'train_dataloader.dataset': ResolvedDict(type='X', data_root='r'),
            'train_dataloader.dataset.data_prefix': dict(img_path='i'),
            'model.segmentor.decode_head.num_classes': 5
        })
    stage = node.cls(**settings)
    stage.setup(StageContext(runner, node, 'train'))
    got = stage.cfg
    assert got.train_cfg.max_iters == 7 and got.randomness.seed == 4
    assert got.train_dataloader.dataset.to_dict() == dict(
        type='X', data_root='r', data_prefix=dict(img_path='i'))
    assert got.model.segmentor.decode_head.num_classes == 5
    assert got.model.segmentor.decode_head.in_channels == 256  # merged
    assert got.optim_wrapper.segmentor.type == 'MixedPrecisionOptimWrapper'
    assert got.default_hooks.checkpoint.save_last is True
    assert got.work_dir == osp.join(str(tmp_path), 'train')


def test_data_roots_move_every_dataset_a_stage_loads(repo_root, tmp_path):
    """``data_roots``: the datasets of every config a stage loads (a train
    stage's config, a writer stage's model and dataset configs) move from
    the old prefix to the new folder; a config already moved (a stage
    config read back) is unchanged."""
    from udaplug.apis import set_data_roots, visit_dataloaders
    from udaplug.pipelines import PipelineRunner, StageContext
    configs = osp.join(repo_root, 'configs')
    moved = str(tmp_path / 'dusk')
    cfg = Config(
        dict(
            stages=[
                dict(
                    type='TrainStage',
                    name='train',
                    config=osp.join(configs, 'demo',
                                    'self_training_demo.py').replace(
                                        'self_training_demo',
                                        'source_only_demo')),
                dict(
                    type='PseudoLabelStage',
                    name='labels',
                    config=osp.join(configs, 'demo', 'source_only_demo.py'),
                    checkpoint='unused.pth',
                    dataset=osp.join(configs, '_base_', 'datasets',
                                     'uda_demo_gta5_to_cityscapes.py')),
            ],
            data_roots={'data/demo': moved},
            work_dir=str(tmp_path / 'work')))
    runner = PipelineRunner(cfg)

    def roots(stage_cfg):
        found = []
        visit_dataloaders(
            stage_cfg, lambda node: found.append(node['data_root'])
            if 'data_root' in node else None)
        return found

    stages = []
    for node in runner.nodes:
        stage = node.cls(**node.settings)
        stage.setup(StageContext(runner, node, node.name))
        stages.append(stage)
    train, labels = stages
    found = roots(train.cfg)
    assert len(found) >= 3, found
    assert all(r.startswith(moved + '/') for r in found), found
    assert labels.dataset_cfg['data_root'] == moved + '/cityscapes'
    assert all(r.startswith(moved + '/') for r in roots(labels.cfg))
    again = Config(train.cfg.to_dict())
    set_data_roots(again, {'data/demo': moved + '/demo'})
    assert roots(again) == found


def test_deleted_output_of_a_finished_stage(stage_module, tmp_path):
    """A finished stage's recorded output file deleted (e.g. checkpoints
    cleaned up): a rerun of the finished pipeline still skips everything;
    a stage that has to run and reads the file stops before running,
    naming the file, the stage that wrote it and what to do."""
    from udaplug.pipelines import StageOutputMissingError
    text = '''
custom_imports = dict(imports=['pipeline_test_stages'],
                      allow_failed_imports=False)
stages = [
    dict(type='AddStage', name='first', value=1),
    dict(type='AddStage', name='second', value='@first.file', add=''),
    dict(type='AddStage', name='third', value='@second.number', add='x'),
]
'''
    first = run(tmp_path, text)
    written = first[0]['outputs']['file']
    os.remove(written)
    again = run(tmp_path, text)
    assert [e['status'] for e in again] == ['skipped'] * 3
    # "second" has to run again (its work dir is gone) and reads the file
    shutil.rmtree(tmp_path / 'work' / 'second')
    with pytest.raises(StageOutputMissingError) as err:
        run(tmp_path, text)
    message = str(err.value)
    assert message.startswith('stage "second" cannot run: the output '
                              f'"file" of stage "first", {written}, is gone')
    assert str(tmp_path / 'work' / 'first') in message
    assert not (tmp_path / 'work' / 'second' / 'number.txt').exists()
    # restored, it runs
    with open(written, 'w') as f:
        f.write('1\n')
    assert [e['status']
            for e in run(tmp_path, text)] == ['skipped', 'ran', 'skipped']


MOVABLE = '''
custom_imports = dict(imports=['pipeline_test_stages'],
                      allow_failed_imports=False)
stages = [
    dict(type='AddStage', name='first', value=1),
    dict(type='RepeatStages', name='loop', times=2, stages=[
        dict(type='AddStage', name='step', value='@step.file | @first.file',
             add='')]),
]
'''


def test_moved_work_dir(stage_module, tmp_path):
    """A finished pipeline moved whole to another folder is reused there:
    its markers record paths in the work dir relative to it, so every stage
    is skipped and the outputs handed over are the files at the new place;
    a stage deleted after the move runs again from the moved outputs."""
    import json
    first = run(tmp_path, MOVABLE, work='old')
    old, new = str(tmp_path / 'old'), str(tmp_path / 'new')
    assert first[2]['outputs']['number'] == osp.join(old, 'loop', 'round_1',
                                                     'step', 'number.txt')
    with open(osp.join(old, 'first', 'stage_done.json')) as f:
        marker = json.load(f)
    assert marker['outputs']['file'] == \
        '${pipeline_work_dir}/first/number.txt'
    assert old not in json.dumps([marker['outputs'], marker['state']])
    assert marker['pipeline_work_dir'] == old  # where its files were
    shutil.move(old, new)
    moved = run(tmp_path, MOVABLE, work='new')
    assert [e['status'] for e in moved] == ['skipped'] * 3
    with open(osp.join(new, 'first', 'stage_done.json')) as f:
        assert json.load(f)['pipeline_work_dir'] == new  # files updated
    assert [e['outputs']['file'] for e in moved] == [
        osp.join(new, 'first', 'number.txt'),
        osp.join(new, 'loop', 'round_1', 'step', 'number.txt'),
        osp.join(new, 'loop', 'round_2', 'step', 'number.txt')
    ]
    # round 2 runs again at the new place, from the moved round 1
    shutil.rmtree(osp.join(new, 'loop', 'round_2'))
    again = run(tmp_path, MOVABLE, work='new')
    assert [e['status'] for e in again] == ['skipped', 'skipped', 'ran']
    with open(osp.join(new, 'loop', 'round_2', 'step', 'number.txt')) as f:
        assert f.read() == osp.join(new, 'loop', 'round_1', 'step',
                                    'number.txt') + '\n'


def test_markers_with_absolute_paths_are_reused_in_place(
        stage_module, tmp_path):
    """Markers that record absolute paths (udaplug versions before the
    work dir could be moved; digest of the state as it is) are still
    reused where they were written."""
    import hashlib
    import json
    summary = run(tmp_path, MOVABLE)
    work = str(tmp_path / 'work')
    renamed = {}  # digest -> the digest of the same stage's absolute state
    for entry in summary:  # in run order: inputs hold earlier digests
        path = osp.join(work, entry['key'], 'stage_done.json')
        with open(path) as f:
            marker = json.loads(f.read().replace('${pipeline_work_dir}', work))
        state = marker['state']
        state['inputs'] = {k: renamed[v] for k, v in state['inputs'].items()}
        text = json.dumps(state, sort_keys=True)
        digest = hashlib.sha256(text.encode()).hexdigest()
        renamed[marker['digest']] = marker['digest'] = digest
        with open(path, 'w') as f:
            json.dump(marker, f)
    # the absolute paths make the digests differ from today's
    assert work in json.dumps(marker) and len(set(renamed.items())) == 3
    assert sum(k != v for k, v in renamed.items()) == 2  # not "first"
    again = run(tmp_path, MOVABLE)
    assert [e['status'] for e in again] == ['skipped'] * 3
    assert numbers(osp.join(work, 'first', 'number.txt')) == [1]


def test_path_replacement_matches_whole_folders(tmp_path):
    """Moving /x/work renames paths in it, not those of /x/workshop."""
    from udaplug.pipelines.offline import (replace_path_in_file,
                                           replace_path_prefix)
    path = tmp_path / 'c.py'
    path.write_text("a = '/x/work'\nb = '/x/work/s/i.pth'\n"
                    "c = '/x/workshop/i.pth'\nd = \"/x/work\"\ne = /x/work\n")
    assert replace_path_in_file(str(path), '/x/work/', '/y/w')
    assert path.read_text() == ("a = '/y/w'\nb = '/y/w/s/i.pth'\n"
                                "c = '/x/workshop/i.pth'\nd = \"/y/w\"\n"
                                'e = /y/w\n')
    assert not replace_path_in_file(str(path), '/x/work', '/y/w')
    got = replace_path_prefix(
        dict(a='/x/work', b=['/x/work/i.pth', ('/x/workshop', 3)]), '/x/work',
        '<w>')
    assert got == dict(a='<w>', b=['<w>/i.pth', ('/x/workshop', 3)])

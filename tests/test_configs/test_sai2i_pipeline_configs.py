"""The pipeline configs of Musto & Zinelli (the four paper settings, the
Table 3 ablations, the demo and its source-only control): their stages,
references and stage configs check out (nothing runs), each setting reads
its own stage configs and initial model, and each ablation changes the
translation stages only, and only as Table 3 says."""
import os.path as osp

import pytest
from mmengine.config import Config

SETTINGS = {
    'sai2i_gta_deeplabv2.py': 'gta_deeplabv2',
    'sai2i_gta_fcn8s.py': 'gta_fcn8s',
    'sai2i_synthia_deeplabv2.py': 'synthia_deeplabv2',
    'sai2i_synthia_fcn8s.py': 'synthia_fcn8s',
}
ROUND = ['translation', 'translate', 'pseudo_labels', 'segmentation']
# Table 3: (SPADE in the generators, SCE loss weight)
ABLATIONS = {
    'sai2i_gta_deeplabv2_no_spade_no_sce.py': (False, 0.0),
    'sai2i_gta_deeplabv2_sce_only.py': (False, 10.0),
    'sai2i_gta_deeplabv2_spade_only.py': (True, 0.0),
}


def _runner(path):
    from udaplug.pipelines import PipelineRunner
    return PipelineRunner(Config.fromfile(path))


def _flat(nodes):
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_flat(node.children))
    return out


def _stage_config(path, stage):
    """A train stage's config with its constant cfg_options (references
    left out) applied."""
    cfg = Config.fromfile(osp.join(osp.dirname(path), stage['config']))
    options = {
        k: v
        for k, v in stage.get('cfg_options', {}).items()
        if not (isinstance(v, str) and v.startswith('@'))
    }
    cfg.merge_from_dict(options)
    return cfg


@pytest.mark.parametrize('name', sorted(SETTINGS))
def test_paper_settings(repo_root, name):
    path = osp.join(repo_root, 'configs', name)
    runner = _runner(path)
    names = [n.name for n in _flat(runner.nodes)]
    assert names == [f'{s}_1' for s in ROUND] + ['rounds'] + ROUND
    assert runner.nodes[4].settings['times'] == 1  # two rounds in all
    setting = SETTINGS[name]
    stages = Config.fromfile(path).stages
    for stage in stages[:4] + stages[4]['stages']:
        for key in ('config', 'dataset'):
            ref = stage.get(key)
            if isinstance(ref, str) and not ref.startswith('@'):
                assert setting in ref, (stage['name'], ref)
                assert osp.isfile(osp.join(osp.dirname(path), ref)), ref
        if stage['type'] == 'PseudoLabelStage':
            assert stage['threshold'] == 0.9  # Eq. 9
    # round 1 starts from the converted BDL model of this setting
    m0 = f'checkpoints/sai2i_{setting}_init.pth'
    assert stages[0]['cfg_options'][
        'model.segmentor.init_cfg.checkpoint'] == m0
    assert stages[2]['checkpoint'] == m0
    assert stages[3]['cfg_options'][
        'model.segmentor.init_cfg.checkpoint'] == m0
    # the translation stage trains the translator around a frozen M, the
    # segmentation stage M itself
    translation = _stage_config(path, stages[0])
    assert translation.model.type == 'SAI2ITranslator'
    assert translation.model.segmentor.role == 'frozen'
    segmentation = _stage_config(path, stages[3])
    assert segmentation.model.type == 'SAI2I'
    assert translation.model.segmentor.backbone == \
        segmentation.model.segmentor.backbone


@pytest.mark.parametrize('name', sorted(ABLATIONS))
def test_ablations_change_the_translation_stages_only(repo_root, name):
    path = osp.join(repo_root, 'configs', 'sai2i_ablations', name)
    base_path = osp.join(repo_root, 'configs', 'sai2i_gta_deeplabv2.py')
    _runner(path)
    stages = Config.fromfile(path).stages
    base = Config.fromfile(base_path).stages
    spade, sce = ABLATIONS[name]
    changed = {
        'model.generators.gen_s.with_spade',
        'model.generators.gen_t.with_spade', 'model.loss_weights.sce'
    }
    for ours, theirs in ((stages[0], base[0]), (stages[4]['stages'][0],
                                                base[4]['stages'][0])):
        options = dict(ours['cfg_options'])
        assert set(options) - set(theirs['cfg_options']) <= changed
        assert {
            k: v
            for k, v in options.items() if k not in changed
        } == theirs['cfg_options']
    for ours in (stages[0], stages[4]['stages'][0]):
        cfg = _stage_config(base_path, ours)
        assert cfg.model.generators.gen_s.get('with_spade', True) is spade
        assert cfg.model.generators.gen_t.get('with_spade', True) is spade
        weights = cfg.model.get('loss_weights') or {}
        assert weights.get('sce', 10.0) == sce
    assert stages[4]['stages'][1:] == base[4]['stages'][1:]
    assert stages[1:4] == base[1:4]


def test_demo_and_control(repo_root):
    """The demo pipeline (the adapted M0, then one round) and its control
    train the same segmentor from the same initialisation for the same
    number of iterations: M0's stage differs from the control's first stage
    in the model type (output-space adversarial vs source only) and the
    data only, the round's segmentation stage from the control's second
    stage likewise (same segmentor, optimiser, schedule, iterations)."""
    folder = osp.join(repo_root, 'configs', 'demo')
    method = _runner(osp.join(folder, 'sai2i_demo.py'))
    control = _runner(osp.join(folder, 'sai2i_demo_control.py'))
    assert [n.name for n in _flat(method.nodes)
            ] == ['adapted', *[f'{s}_1' for s in ROUND]]
    assert [n.name
            for n in _flat(control.nodes)] == ['source_only', 'source_only_1']
    method_stages = Config.fromfile(osp.join(folder, 'sai2i_demo.py')).stages
    control_stages = Config.fromfile(
        osp.join(folder, 'sai2i_demo_control.py')).stages
    assert method_stages[0]['config'] == 'sai2i_demo_adapted.py'
    assert control_stages[0]['config'] == 'sai2i_demo_source_only.py'
    # M0 guides the translation, labels the target (with its own config:
    # checkpoints load strictly) and starts the segmentation stage
    by_name = {s['name']: s for s in method_stages}
    assert by_name['translation_1']['cfg_options'][
        'model.segmentor.init_cfg.checkpoint'] == '@adapted.checkpoint'
    assert by_name['pseudo_labels_1']['checkpoint'] == '@adapted.checkpoint'
    assert by_name['pseudo_labels_1']['config'] == 'sai2i_demo_adapted.py'
    assert by_name['segmentation_1']['cfg_options'][
        'model.segmentor.init_cfg.checkpoint'] == '@adapted.checkpoint'
    seg = Config.fromfile(osp.join(folder, 'sai2i_demo_segmentation.py'))
    adapted = Config.fromfile(osp.join(folder, 'sai2i_demo_adapted.py'))
    ctl = Config.fromfile(osp.join(folder, 'sai2i_demo_source_only_round.py'))
    first = Config.fromfile(osp.join(folder, 'sai2i_demo_source_only.py'))
    assert ctl.model.type == 'SourceOnly' and seg.model.type == 'SAI2I'
    assert first.model.type == 'SourceOnly'
    assert adapted.model.type == 'AdaptSegNet'
    for key in ('backbone', 'decode_head'):
        assert ctl.model.segmentor[key] == seg.model.segmentor[key]
        assert first.model.segmentor[key] == seg.model.segmentor[key]
        assert adapted.model.segmentor[key] == seg.model.segmentor[key]
    # M0: random init like the control's first stage (no init_cfg), the
    # segmentation stage's discriminator and lambda_adv
    assert adapted.model.segmentor.get('init_cfg') is None
    assert first.model.segmentor.get('init_cfg') is None
    assert adapted.model.discriminators == seg.model.discriminators
    assert adapted.model.adversarial_levels == seg.model.adversarial_levels
    assert adapted.optim_wrapper.segmentor == first.optim_wrapper.segmentor
    assert adapted.param_scheduler == first.param_scheduler
    assert adapted.train_dataloader.batch_size == \
        first.train_dataloader.batch_size == 4
    assert ctl.optim_wrapper.segmentor == seg.optim_wrapper.segmentor
    assert ctl.param_scheduler == seg.param_scheduler
    assert ctl.train_cfg.max_iters == seg.train_cfg.max_iters == 300
    # the same number of segmentor iterations in all: 600 + 300
    assert adapted.train_cfg.max_iters == first.train_cfg.max_iters == 600
    # the source batch of the method's segmentation stage
    assert ctl.train_dataloader.batch_size == \
        seg.train_dataloader.batch_size


def test_demo_translation_keeps_the_paper_method(repo_root):
    """The demo's translation stage shortens the schedule and raises the
    learning rates, and keeps everything else of the paper's stage: loss
    weights, Adam (0.9, 0.99), the TTUR ratio (discriminators 4x the
    generators, SPADE's split), poly decay to 0 at the last iteration."""
    demo = Config.fromfile(
        osp.join(repo_root, 'configs', 'demo', 'sai2i_demo_translation.py'))
    paper = Config.fromfile(
        osp.join(repo_root, 'configs', 'sai2i',
                 'gta_deeplabv2_translation.py'))
    assert demo.model.loss_weights == paper.model.loss_weights
    assert demo.model.sce_loss == paper.model.sce_loss
    ow = demo.optim_wrapper
    assert ow.default.optimizer.betas == ow.generators.optimizer.get(
        'betas', ow.default.optimizer.betas) == (0.9, 0.99)
    assert ow.default.optimizer.lr == 4 * ow.generators.optimizer.lr
    assert paper.optim_wrapper.default.optimizer.lr == \
        4 * paper.optim_wrapper.generators.optimizer.lr
    (poly, ) = demo.param_scheduler
    assert poly.type == 'PolyLR' and poly.power == 0.9
    assert poly.end == demo.train_cfg.max_iters and poly.eta_min == 0
    assert demo.train_dataloader.batch_size == 1


def test_demo_adapted_control(repo_root):
    """The second control continues M0 (the method's first stage, same
    settings: reused from the method's work dir) for the round's segmentor
    iterations with M0's own stage (same optimiser and schedule restart as
    the round's segmentation stage)."""
    folder = osp.join(repo_root, 'configs', 'demo')
    stages = Config.fromfile(
        osp.join(folder, 'sai2i_demo_adapted_control.py')).stages
    method = Config.fromfile(osp.join(folder, 'sai2i_demo.py')).stages
    assert stages[0] == method[0]
    assert stages[1]['config'] == 'sai2i_demo_adapted_round.py'
    assert stages[1]['cfg_options'] == {
        'model.segmentor.init_cfg.checkpoint': '@adapted.checkpoint'
    }
    assert [
        n.name for n in _flat(
            _runner(osp.join(folder, 'sai2i_demo_adapted_control.py')).nodes)
    ] == ['adapted', 'adapted_1']
    cont = Config.fromfile(osp.join(folder, 'sai2i_demo_adapted_round.py'))
    seg = Config.fromfile(osp.join(folder, 'sai2i_demo_segmentation.py'))
    adapted = Config.fromfile(osp.join(folder, 'sai2i_demo_adapted.py'))
    assert cont.model.type == adapted.model.type == 'AdaptSegNet'
    assert cont.model.segmentor.init_cfg.prefix == 'segmentor.'
    for key in ('backbone', 'decode_head'):
        assert cont.model.segmentor[key] == seg.model.segmentor[key]
    assert cont.model.discriminators == seg.model.discriminators
    assert cont.model.adversarial_levels == seg.model.adversarial_levels
    assert cont.optim_wrapper.segmentor == seg.optim_wrapper.segmentor
    assert cont.param_scheduler == seg.param_scheduler
    assert cont.train_cfg.max_iters == seg.train_cfg.max_iters == 300
    assert cont.train_dataloader.batch_size == \
        seg.train_dataloader.batch_size


def test_demo_two_rounds_and_controls(repo_root):
    """The two-round demo is the one-round demo plus round 2 of the paper
    pipeline; each control adds one 300-iteration stage from its previous
    model, so the three train the segmentor 600 + 300 + 300 iterations."""
    folder = osp.join(repo_root, 'configs', 'demo')

    def stages(name):
        return Config.fromfile(osp.join(folder, name)).stages

    one, two = stages('sai2i_demo.py'), stages('sai2i_demo_two_rounds.py')
    assert two[:5] == one
    assert [
        n.name for n in _flat(
            _runner(osp.join(folder, 'sai2i_demo_two_rounds.py')).nodes)
    ] == ['adapted', *[f'{s}_1' for s in ROUND], 'rounds', *ROUND]
    for name, first, previous in (('sai2i_demo_control', 'source_only',
                                   'source_only_1'),
                                  ('sai2i_demo_adapted_control', 'adapted',
                                   'adapted_1')):
        base, extended = stages(f'{name}.py'), stages(f'{name}_two_rounds.py')
        assert extended[:2] == base
        assert extended[2]['config'] == base[1]['config']
        assert extended[2]['cfg_options'] == {
            'model.segmentor.init_cfg.checkpoint': f'@{previous}.checkpoint'
        }
        assert base[0]['name'] == first

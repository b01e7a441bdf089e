"""tools/demo.py: methods trained side by side in their own processes,
the results table, the comparison figure, the method table and its
baselines, pipeline configs, and no third-party warning noise."""
import glob
import importlib.util
import os
import os.path as osp

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _demo():
    spec = importlib.util.spec_from_file_location(
        'udaplug_tool_demo', osp.join(REPO, 'tools', 'demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cells(figure, num_columns, cell_hw, header=24, gap=2):
    """The image cells of comparison.png: rows x columns."""
    h, w = cell_hw
    rows = []
    y = header + gap
    while y + h <= figure.shape[0]:
        row = [
            figure[y:y + h, c * (w + gap):c * (w + gap) + w]
            for c in range(num_columns)
        ]
        rows.append(row)
        y += h + gap
    return rows


def test_demo_runs_methods_in_parallel_and_draws_them(tmp_path, demo_data,
                                                      capfd, miou_by_hand,
                                                      decode_colours):
    from udaplug.datasets.label_sets import CITYSCAPES_PALETTE
    demo = _demo()
    work = str(tmp_path / 'demo')
    results = demo.main([
        '--data-root', demo_data, '--work-dir', work, '--iters', '2', '--jobs',
        '2', '--rows', '2'
    ])
    assert [r['method'].key for r in results] == ['source_only', 'adaptsegnet']
    with open(osp.join(work, 'results.md')) as f:
        table = f.read()
    for r in results:
        line = next(x for x in table.splitlines()
                    if x.startswith(f'| {r["method"].title} |'))
        assert f'| {r["miou"]:.2f} |' in line
        for phase in ('build', 'train', 'test'):
            assert r['times'][phase]['cpu'] > 0
            assert f'| {r["method"].title}: {phase} |' in table
    # each row's mIoU is that of the method's saved predictions
    label_dir = osp.join(demo_data, 'cityscapes', 'gtFine', 'val')
    for r in results:
        preds = sorted(glob.glob(osp.join(r['show_dir'], '*_pred.png')))
        assert len(preds) == 2  # the two demo val images
        pairs = []
        for path in preds:
            stem = osp.basename(path)[:-len('_leftImg8bit_pred.png')]
            label, = glob.glob(
                osp.join(label_dir, '*', stem + '_gtFine_labelTrainIds.png'))
            pred = decode_colours(
                cv2.imread(path)[..., ::-1], CITYSCAPES_PALETTE)
            pairs.append((pred, cv2.imread(label, cv2.IMREAD_UNCHANGED)))
        assert r['miou'] == pytest.approx(
            miou_by_hand(pairs, 19)[0], abs=0.006)
    gain = results[1]['miou'] - results[0]['miou']
    assert f'{gain:+.2f} vs. Source only' in table
    assert '| whole run |' in table

    # comparison.png: image | label | each method's prediction, the
    # label and predictions exactly the dumped ones
    figure = cv2.imread(osp.join(work, 'comparison.png'))
    first = results[0]['show_dir']
    stems = sorted(f[:-len('_pred.png')] for f in os.listdir(first)
                   if f.endswith('_pred.png'))[:2]
    label0 = cv2.imread(osp.join(first, f'{stems[0]}_label.png'))
    cells = _cells(figure, 4, label0.shape[:2])
    assert len(cells) >= 2
    for row, stem in zip(cells, stems):
        np.testing.assert_array_equal(
            row[1], cv2.imread(osp.join(first, f'{stem}_label.png')))
        for cell, r in zip(row[2:], results):
            np.testing.assert_array_equal(
                cell, cv2.imread(osp.join(r['show_dir'], f'{stem}_pred.png')))
        image = cv2.imread(
            osp.join(demo_data, 'cityscapes', 'leftImg8bit', 'val', 'demoburg',
                     f'{stem}.png'))
        np.testing.assert_array_equal(row[0], image)
    # a header with dark text over every column
    header = figure[:24]
    width = label0.shape[1]
    for c in range(4):
        assert (header[:, c * (width + 2):c * (width + 2) + width] < 100).any()

    out, err = capfd.readouterr()
    assert 'AdaptSegNet: target mIoU' in out
    noise = [
        line for line in (out + err).splitlines()
        if 'Warning' in line or ' - WARNING - ' in line
    ]
    assert not noise, noise


def test_method_table_and_baselines():
    demo = _demo()
    keys = [m.key for m in demo.METHODS]
    assert len(set(keys)) == len(keys)
    for m in demo.METHODS:
        assert osp.isfile(osp.join(REPO, m.config)), m.config
        assert m.baseline is None or m.baseline in keys
    assert set(demo.DEFAULT_METHODS) <= set(keys)
    # the baseline comes with the method that names it, first
    chosen = demo.select_methods(['adaptsegnet'])
    assert [m.key for m in chosen] == ['source_only', 'adaptsegnet']
    assert [m.key for m in demo.select_methods(['adaptsegnet,source_only'])
            ] == ['source_only', 'adaptsegnet']
    with pytest.raises(SystemExit, match=r"'nope'.*adaptsegnet"):
        demo.select_methods(['nope'])


def test_docs_method_table_matches_the_demo():
    """docs/demo.md's method table lists exactly the demo's methods, each
    with its title, config, baseline and whether it runs by default."""
    demo = _demo()
    with open(osp.join(REPO, 'docs', 'demo.md'), encoding='utf-8') as f:
        rows = [[cell.strip() for cell in line.strip().strip('|').split('|')]
                for line in f if line.startswith('| `')]
    documented = {row[0].strip('`'): row for row in rows}
    assert list(documented) == [m.key for m in demo.METHODS]
    for m in demo.METHODS:
        key, title, config, baseline, default = documented[m.key]
        assert title == m.title, m.key
        assert config.split('`')[1] == m.config, m.key
        assert baseline == (f'`{m.baseline}`' if m.baseline else '—'), m.key
        assert default.startswith('yes' if m.key in
                                  demo.DEFAULT_METHODS else 'no'), m.key


def test_list_prints_every_method(capsys):
    demo = _demo()
    assert demo.main(['--list']) == []
    printed = capsys.readouterr().out
    for m in demo.METHODS:
        assert f'{m.key}: {m.title}, {m.config}' in printed


def test_pipeline_method_tests_its_last_trained_stage(tmp_path, demo_data,
                                                      monkeypatch, capsys):
    """A pipeline config (stages) runs through udaplug.pipelines'
    run_pipeline; the model of its last train stage is tested."""
    demo = _demo()
    pipeline = tmp_path / 'pipeline.py'
    pipeline.write_text(
        "stages = [dict(name='train', type='TrainStage', "
        f"config={osp.join(REPO, 'configs/demo/source_only_demo.py')!r})]\n")
    monkeypatch.setattr(
        demo, 'METHODS',
        (demo.Method('Two stages', 'two_stages', str(pipeline)), ))
    ran = []

    def run_pipeline(cfg):
        # what the train stage does: train its config in its work dir
        from udaplug.apis import build_runner, load_config
        stage_cfg = load_config(cfg.stages[0]['config'])
        stage_cfg.work_dir = osp.join(cfg.work_dir, 'train')
        stage_cfg.train_cfg.max_iters = 1
        stage_cfg.default_hooks.checkpoint.interval = 1
        stage_cfg.val_dataloader = stage_cfg.val_cfg = None
        stage_cfg.val_evaluator = None
        build_runner(stage_cfg).train()
        dumped = osp.join(stage_cfg.work_dir, 'stage_config.py')
        stage_cfg.dump(dumped)
        ran.append((cfg.filename, dict(cfg.get('stage_cfg_options')
                                       or {}), cfg.get('data_roots')))
        return [
            dict(
                key='train',
                type='TrainStage',
                status='ran',
                outputs=dict(
                    checkpoint=osp.join(stage_cfg.work_dir, 'iter_1.pth'),
                    config=dumped,
                    work_dir=stage_cfg.work_dir))
        ]

    import udaplug.pipelines
    monkeypatch.setattr(udaplug.pipelines, 'run_pipeline', run_pipeline)
    # pipeline stages read the demo data from data/demo
    (tmp_path / 'data').mkdir()
    os.symlink(demo_data, tmp_path / 'data' / 'demo')
    monkeypatch.chdir(tmp_path)
    results = demo.main([
        '--methods', 'two_stages', '--work-dir', 'work', '--cfg-options',
        'randomness.seed=3'
    ])
    assert ran == [(str(pipeline), {'randomness.seed': 3}, None)]
    # the stages' console output goes to a file, not to the demo's console
    printed = capsys.readouterr().out
    assert 'console output in' in printed and 'System environment' not in \
        printed
    with open(osp.join('work', 'two_stages', 'console.log')) as f:
        assert 'System environment' in f.read()
    assert results[0]['miou'] == results[0]['metrics']['mIoU']
    assert os.listdir(results[0]['show_dir'])
    assert osp.isfile(osp.join('work', 'comparison.png'))
    # --data-root: the pipeline's datasets move there (data_roots)
    demo.main([
        '--methods', 'two_stages', '--work-dir', 'work2', '--data-root',
        demo_data
    ])
    assert ran[-1][2] == {'data/demo': demo_data}
    with pytest.raises(SystemExit, match='pipeline config.*--iters'):
        demo.main(['--methods', 'two_stages', '--iters', '3'])


def test_cores_are_shared_among_running_methods(monkeypatch):
    demo = _demo()

    class Share:
        value = 0

    def shares(n, cores, omp=None):
        monkeypatch.setattr(demo, '_cores', lambda: cores)
        if omp is None:
            monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
        else:
            monkeypatch.setenv('OMP_NUM_THREADS', str(omp))
        running = {i: (None, None, Share()) for i in range(n)}
        demo._share_cores(running)
        return [s.value for _, _, s in running.values()]

    assert shares(2, 2) == [1, 1]
    assert shares(1, 2) == [2]  # the last one running gets both cores
    assert shares(3, 8) == [3, 3, 2]
    assert shares(4, 2) == [1, 1, 1, 1]
    assert shares(1, 2, omp=1) == [1]  # OMP_NUM_THREADS caps it

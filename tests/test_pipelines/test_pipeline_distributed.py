"""A pipeline under tools/dist_train.sh (2 CPU processes, gloo): the train
stages run distributed and hand their checkpoints over (saved without the
DDP wrappers' ``module.`` level, so they load anywhere), the pseudo-label
stage shares the images between the processes and sums their class
histograms, and the result is the one a single process writes."""
import json
import os
import os.path as osp
import subprocess

import cv2
import numpy as np
import torch

PIPELINE = '''
stages = [
    dict(type='TrainStage', name='source_only', config='source_only.py'),
    dict(type='PseudoLabelStage', name='pseudo_labels',
         config='@source_only.config', checkpoint='@source_only.checkpoint',
         threshold='classwise'),
    dict(type='TrainStage', name='self_train', config='self_train.py',
         cfg_options={
             'load_from': '@source_only.checkpoint',
             'train_dataloader.dataset.datasets.1':
             '@pseudo_labels.dataset'}),
]
'''


def test_two_processes(tmp_path, demo_data, pipeline_helpers, load_tool,
                       subprocess_env):
    h = pipeline_helpers
    h.source_only_config(tmp_path / 'source_only.py', demo_data)
    h.self_train_config(tmp_path / 'self_train.py', demo_data, iters=1)
    config = h.write(tmp_path / 'pipeline.py', PIPELINE)
    work = str(tmp_path / 'work')
    env = dict(subprocess_env(), PORT=str(29500 + (os.getpid() + 7) % 1000))
    result = subprocess.run([
        'bash',
        osp.join(h.REPO_ROOT, 'tools', 'dist_train.sh'), config, '2',
        '--work-dir', work
    ],
                            cwd=h.REPO_ROOT,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=600)
    assert result.returncode == 0, \
        result.stdout[-3000:] + result.stderr[-3000:]
    with open(osp.join(work, 'pipeline_outputs.json')) as f:
        summary = json.load(f)
    assert [(e['key'], e['status'])
            for e in summary] == [('source_only', 'ran'),
                                  ('pseudo_labels', 'ran'),
                                  ('self_train', 'ran')]
    self_train = summary[2]['outputs']
    assert osp.basename(self_train['checkpoint']) == 'iter_1.pth'
    # load_from found every weight of the source-only checkpoint
    assert 'Load checkpoint from' in result.stdout + result.stderr
    assert 'unexpected key' not in result.stdout + result.stderr
    state = torch.load(
        summary[0]['outputs']['checkpoint'],
        map_location='cpu',
        weights_only=False)['state_dict']
    assert state and not [k for k in state if '.module.' in k]
    folder = osp.join(work, 'pseudo_labels')
    with open(osp.join(folder, 'pseudo_label_info.json')) as f:
        info = json.load(f)
    assert info['world_size'] == 2 and info['num_images'] == 4
    # one process, same model: the same thresholds and files
    single = str(tmp_path / 'single')
    single_info = load_tool('pseudo_label.py').main([
        osp.join(work, 'source_only',
                 'stage_config.py'), summary[0]['outputs']['checkpoint'],
        '--out', single, '--threshold', 'classwise'
    ])
    assert single_info['threshold'] == info['threshold']
    assert single_info['images'] == info['images']
    for stem in info['images']:
        name = osp.join('labels', stem + '_pseudo_labelTrainIds.png')
        np.testing.assert_array_equal(
            cv2.imread(osp.join(folder, name), cv2.IMREAD_UNCHANGED),
            cv2.imread(osp.join(single, name), cv2.IMREAD_UNCHANGED))

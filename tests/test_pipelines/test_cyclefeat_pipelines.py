"""Toldo et al.'s pipeline configs run both stages from one command
(tools/train.py): the source pre-training, then the adaptation (or, for the
demo's baseline, source-only training on) from the pre-trained segmentor,
handed over by reference. Each stage config is the real one, shrunk to one
iteration on the tiny demo pair."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PIPELINES = {
    'cyclefeat_gta.py': ('pretrain', 'adapt'),
    'cyclefeat_synthia.py': ('pretrain', 'adapt'),
    'demo/cyclefeat_demo.py': ('pretrain', 'adapt'),
    'demo/cyclefeat_source_only_demo.py': ('pretrain', 'continue'),
}


def small_stage_config(path: str, demo_data: str, out: str) -> str:
    """The stage config ``path`` for one iteration on the demo pair: data
    roots, no workers, no validation, narrow generators and
    discriminators, no ImageNet file (the segmentor's own init_cfg, which
    the pipeline sets, is kept)."""
    from udaplug.apis import set_data_roots, visit_dataloaders
    cfg = Config.fromfile(path)
    set_data_roots(
        cfg, {
            'data/demo': demo_data,
            'data/gta5': demo_data + '/gta5',
            'data/synthia': demo_data + '/synthia',
            'data/cityscapes': demo_data + '/cityscapes',
        })

    def shrink(node):
        if node.get('type') == 'Resize':
            node['scale'] = (128, 64)
        if 'num_workers' in node:  # the configs' batch sizes (BN needs 2+)
            node.update(num_workers=0, persistent_workers=False)

    visit_dataloaders(cfg, shrink)
    cfg.train_cfg.max_iters = 1
    cfg.train_cfg.val_interval = 1000
    if isinstance(cfg.param_scheduler, list):
        cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.interval = 1
    cfg.custom_hooks = []
    model = cfg.model
    model.segmentor.backbone.init_cfg = None
    if model.type == 'CycleFeat':
        for gen in model.generators.values():
            gen.update(base_channels=8, num_blocks=1)
        for disc in model.discriminators.values():
            disc.channels = (8, 8, 8, 8)
    cfg.dump(out)
    return out


@pytest.mark.parametrize('name', sorted(PIPELINES))
def test_pipeline_trains_both_stages(name, tmp_path, demo_data, load_tool):
    path = osp.join(REPO_ROOT, 'configs', name)
    pipeline = Config.fromfile(path)
    assert [s['name'] for s in pipeline.stages] == list(PIPELINES[name])
    for stage in pipeline.stages:
        stage['config'] = small_stage_config(
            osp.join(osp.dirname(path), stage['config']), demo_data,
            str(tmp_path / f'{stage["name"]}.py'))
    pipeline_file = str(tmp_path / 'pipeline.py')
    pipeline.dump(pipeline_file)
    work = str(tmp_path / 'work')
    load_tool('train.py').main([pipeline_file, '--work-dir', work])

    first, second = PIPELINES[name]
    pre = torch.load(osp.join(work, first, 'iter_1.pth'))['state_dict']
    final = Config.fromfile(osp.join(work, second, 'stage_config.py'))
    # the reference was resolved to the first stage's checkpoint
    assert final.model.segmentor.init_cfg.checkpoint == osp.join(
        work, first, 'iter_1.pth')
    after = torch.load(osp.join(work, second, 'iter_1.pth'))['state_dict']
    seg = [k for k in pre if k.startswith('segmentor.')]
    assert seg
    if second == 'adapt':
        # iteration 0 of the adaptation: the segmentor is frozen, so it
        # still holds the pre-trained weights exactly
        assert final.model.segmentor_frozen_iters > 0
        for key in seg:
            assert torch.equal(after[key], pre[key]), key
        assert any(k.startswith('gen_st.') for k in after)
    else:
        # the baseline trained on from the pre-trained weights
        assert any(not torch.equal(after[k], pre[k]) for k in seg)

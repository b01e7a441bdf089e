"""Every config resizes the images of one domain (one data root) with the
same backend and filter in training, validation and testing: OpenCV's and
PIL's bicubic differ (PIL antialiases when it shrinks), so a mismatch
shifts the target images between adaptation and evaluation."""
from udaplug.apis import visit_dataloaders


def _resizes_by_domain(cfg):
    """``{data_root: {(backend, interpolation), ...}}`` over the Resize
    transforms of every dataset of the config's dataloaders."""
    found = {}

    def visit(node):
        if 'pipeline' not in node or 'data_root' not in node:
            return
        resizes = [
            t for t in node['pipeline']
            if isinstance(t, dict) and str(t.get('type')).endswith('Resize')
        ]
        for t in resizes:
            # mmcv's Resize defaults: backend 'cv2', bilinear
            backend = t.get('backend', 'cv2')
            interpolation = t.get('interpolation', 'bilinear')
            found.setdefault(node['data_root'], set()).add(
                (backend, interpolation))

    visit_dataloaders(cfg, visit)
    return found


def test_one_resize_backend_per_domain_in_every_config(repo_configs):
    mismatches, checked = [], 0
    for name, cfg in repo_configs.items():
        for root, resizes in _resizes_by_domain(cfg).items():
            checked += 1
            if len(resizes) > 1:
                mismatches.append(f'{name}: {root}: {sorted(resizes)}')
    assert checked >= 20
    assert not mismatches, 'train/val resizing differs within a domain:\n' + \
        '\n'.join(mismatches)


def test_the_check_sees_a_train_val_mismatch(repo_configs):
    cfg = repo_configs['_base_/datasets/uda_gta5_to_cityscapes.py'].copy()
    target = _resizes_by_domain(cfg)['data/cityscapes']
    assert target == {('pillow', 'bicubic')}
    cfg.merge_from_dict({
        'train_dataloader.dataset.target.pipeline': [
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=(1024, 512), interpolation='bicubic'),
            dict(type='PackSegInputs')
        ]
    })
    mixed = _resizes_by_domain(cfg)['data/cityscapes']
    assert mixed == {('pillow', 'bicubic'), ('cv2', 'bicubic')}

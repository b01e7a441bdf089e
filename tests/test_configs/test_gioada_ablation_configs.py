"""Every GIO-Ada ablation config (paper Tables 1-3) builds what its row
needs and trains one iteration on tiny Virtual KITTI / KITTI data: the
non-adapted and input-level rows here, the output-level rows in
test_gioada_ablation_configs_output.py (the table and the check are in
this directory's conftest.py)."""
import glob
import os.path as osp


def test_every_ablation_config_is_covered(gioada_ablations):
    found = {
        osp.basename(p)[len('gioada_vkitti2kitti_'):-3]
        for p in glob.glob(gioada_ablations['path']('*'))
    }
    groups = gioada_ablations['groups']
    assert found == set(gioada_ablations['rows']) == \
        set(groups['input'] + groups['output'])


def test_ablation_config(input_level_row, ablation_roots, tmp_path,
                         check_ablation_config):
    check_ablation_config(input_level_row, ablation_roots, tmp_path)

"""The output-level GIO-Ada ablation configs (Table 1 "output-level adapt",
Table 3) build what their row needs and train one iteration on tiny data."""


def test_ablation_config(output_level_row, ablation_roots, tmp_path,
                         check_ablation_config):
    check_ablation_config(output_level_row, ablation_roots, tmp_path)

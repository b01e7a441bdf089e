"""The output-level GIO-Ada ablation configs (Table 1 "output-level adapt",
Table 3) build what their row needs and train one iteration on tiny data."""
import pytest
from test_gioada_ablation_configs import (OUTPUT_LEVEL_ROWS,
                                          check_ablation_config, roots)

__all__ = ['roots']  # the module-scoped data fixture


@pytest.mark.parametrize('name', OUTPUT_LEVEL_ROWS)
def test_ablation_config(name, roots, tmp_path):
    check_ablation_config(name, roots, tmp_path)

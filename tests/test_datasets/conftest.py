import gc

import pytest


@pytest.fixture(autouse=True)
def _no_full_gc_per_dataset(monkeypatch):
    """mmengine runs a full ``gc.collect()`` whenever a dataset serialises
    its data list (about a second with torch and mmseg loaded); these tests
    build dozens of tiny datasets, so skip it here."""
    monkeypatch.setattr(gc, 'collect', lambda *args: 0)

"""Young-generation collections less often, and what is alive frozen out of them."""

from __future__ import annotations

import gc

from shouwang_kit.gc_tuning import collect_young_less_often


def test_a_threshold_is_set_and_zero_leaves_python_alone() -> None:
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    try:
        collect_young_less_often(0)
        assert gc.get_threshold() == before and gc.get_freeze_count() == frozen
        collect_young_less_often(50_000)
        assert gc.get_threshold() == (50_000, *before[1:])
        assert gc.get_freeze_count() > frozen  # what is loaded so far is out of collection
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)

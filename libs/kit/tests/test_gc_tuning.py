"""Young-generation collections less often, and what is alive frozen out of them."""

from __future__ import annotations

import gc

import pytest
from shouwang_kit.gc_tuning import collect_young_less_often, collection_paused


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


def test_no_collections_in_a_paused_block_and_what_it_built_is_frozen() -> None:
    frozen = gc.get_freeze_count()
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(count)
    try:
        with collection_paused():
            assert not gc.isenabled()
            built = [[i] for i in range(100_000)]  # far past the young threshold
        assert collections == []
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(built)
    finally:
        gc.callbacks.remove(count)
        gc.unfreeze()


def test_a_failed_block_restores_the_collector_and_freezes_nothing() -> None:
    frozen = gc.get_freeze_count()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("load failed")
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()

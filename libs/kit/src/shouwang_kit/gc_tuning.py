"""Garbage collection for processes that build many short-lived objects per batch."""

from __future__ import annotations

import gc


def collect_young_less_often(gen0_threshold: int) -> None:
    """Young-generation collections every `gen0_threshold` allocations (0: leave Python's 700).

    A consumer batch or a chunk of a list allocates tens of thousands of short-lived objects;
    with the default threshold the collector ran so often that it cost a third of a batch's
    time. What the process holds by now (modules, caches) is never garbage: it is frozen out of
    collection, so full collections do not walk it either.
    """
    if not gen0_threshold:
        return
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(gen0_threshold, older, oldest)

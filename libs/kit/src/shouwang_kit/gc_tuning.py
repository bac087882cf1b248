"""Garbage collection for processes that build many short-lived objects per batch."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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


@contextmanager
def collection_paused() -> Iterator[None]:
    """No collections inside the block (as it was before, after it), and what the block built
    frozen out of later collections when it ends without an error.

    For a load that builds millions of long-lived, acyclic objects (an index): each young
    collection on the way would walk the part built so far again, for no garbage.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if was_enabled:
            gc.enable()

"""Garbage-collector time of a benchmarked service process, for the bench that starts it.

Put on the process's PYTHONPATH with SHOUWANG_GC_PROBE_DIR set; after each collection it
writes the process's collector seconds and collections so far to `<dir>/<pid>`. Benchmarks
only: a service never ships with it.
"""

from __future__ import annotations

import gc
import os
import time
from typing import Any

_DIR = os.environ.get("SHOUWANG_GC_PROBE_DIR")

if _DIR:
    # Opened once and overwritten in place (the numbers only grow, in fixed widths): one
    # system call per collection.
    _fd = os.open(os.path.join(_DIR, str(os.getpid())), os.O_WRONLY | os.O_CREAT, 0o644)
    _state = {"started": 0.0, "seconds": 0.0, "collections": 0}

    def _probe(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            _state["started"] = time.perf_counter()
            return
        _state["seconds"] += time.perf_counter() - _state["started"]
        _state["collections"] += 1
        os.pwrite(_fd, f"{_state['seconds']:16.6f} {_state['collections']:12d}\n".encode(), 0)

    gc.callbacks.append(_probe)

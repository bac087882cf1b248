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
    _path = os.path.join(_DIR, str(os.getpid()))
    _state = {"started": 0.0, "seconds": 0.0, "collections": 0}

    def _probe(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            _state["started"] = time.perf_counter()
            return
        _state["seconds"] += time.perf_counter() - _state["started"]
        _state["collections"] += 1
        with open(_path, "w") as out:
            out.write(f"{_state['seconds']:.6f} {_state['collections']}\n")

    gc.callbacks.append(_probe)

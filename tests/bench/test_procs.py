"""The benchmarks' CPU accounting: a process's CPU includes descendants that have exited (as
PostgreSQL's backends and workers do during a run)."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.procs import busy_share, cpu_seconds

# A parent that starts a child burning ~0.4 s of CPU, reaps it, then waits to be measured.
_PARENT = """
import subprocess, sys, time
subprocess.run([sys.executable, "-c", "import time\\nend = time.process_time() + 0.4\\n"
                "while time.process_time() < end: pass"], check=True)
print("reaped", flush=True)
time.sleep(30)
"""


def test_cpu_of_an_exited_child_is_counted_with_its_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True)
    try:
        before = cpu_seconds(parent.pid)  # the child may be running: part of it is counted
        assert parent.stdout is not None and parent.stdout.readline().strip() == "reaped"
        after = cpu_seconds(parent.pid)
        assert after >= 0.35  # the child is gone; its 0.4 s are still there
        assert after >= before
    finally:
        parent.kill()
        parent.wait()


def test_the_machine_busy_share_is_a_share() -> None:
    busy_share()
    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass
    share = busy_share()
    assert 0.0 < share <= 1.0

"""The benchmarks' CPU accounting: a process's CPU includes descendants that have exited (as
PostgreSQL's backends and workers do during a run)."""

from __future__ import annotations

import asyncio
import math
import subprocess
import sys
import time

import psutil

from bench.procs import BusySampler, busy_seconds, busy_share, cpu_seconds

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


def test_the_machine_busy_share_counts_a_burning_core_over_its_span() -> None:
    # One core burning for its whole span: at least 1/cores of the machine (the rest of the
    # machine may be busy too), never more than all of it.
    before, start = busy_seconds(), time.perf_counter()
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    share = busy_share(busy_seconds() - before, time.perf_counter() - start)
    cores = psutil.cpu_count() or 1
    assert 0.9 / cores <= share <= 1.05


def test_the_busy_share_is_over_the_span_given_not_the_window() -> None:
    # The same busy seconds over twice the span read half the share.
    assert busy_share(1.0, 1.0) == 2 * busy_share(1.0, 2.0)
    assert math.isnan(busy_share(1.0, 0.0))


def _burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


async def test_the_sampler_takes_the_share_over_the_span_asked_for() -> None:
    # A core burning in a thread while the sampler samples: over the burning span the share
    # is at least that core's; a span with no samples in it has no share.
    sampler = BusySampler(every_s=0.02)
    sampling = asyncio.create_task(sampler.run())
    try:
        await asyncio.sleep(0.1)
        start = time.time()
        await asyncio.to_thread(_burn, 0.5)
        stop = time.time()
    finally:
        sampling.cancel()
    cores = psutil.cpu_count() or 1
    assert len([t for t, _busy in sampler.samples if start <= t <= stop]) >= 5
    assert 0.8 / cores <= sampler.share(start, stop) <= 1.05
    assert math.isnan(sampler.share(stop + 10, stop + 20))

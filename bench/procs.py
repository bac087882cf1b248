"""CPU time of the stack's processes, for benchmarks that say where the time went."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import psutil
from shouwang_stack.paths import free_port
from shouwang_stack.services import SERVICES, ServiceProcess
from shouwang_stack.stack import Stack


def _family(pid: int) -> list[psutil.Process]:
    """A process and its children (none once it is gone)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its descendants so far, those that have exited too
    (0 once it is gone).

    Exited ones count through their parent's children times, which the kernel adds to when it
    reaps them: PostgreSQL's backends and parallel workers come and go during a run, and
    summing only the living ones left out up to half of its CPU."""
    total = 0.0
    for proc in _family(pid):
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def busy_seconds() -> float:
    """CPU seconds the machine has been busy so far, every core summed (not idle, not waiting
    on I/O). The difference between two readings, over the cores times the seconds of work
    between them, is the machine's busy share while that work ran."""
    times = psutil.cpu_times()
    total = sum(times) - getattr(times, "guest", 0.0) - getattr(times, "guest_nice", 0.0)
    return total - times.idle - getattr(times, "iowait", 0.0)


def busy_share(busy: float, seconds: float) -> float:
    """The machine's busy share over `seconds` of work during which it was busy `busy` CPU
    seconds (`busy_seconds` differences)."""
    return busy / ((psutil.cpu_count() or 1) * seconds) if seconds > 0 else float("nan")


class BusySampler:
    """The machine's busy CPU seconds every `every_s` while `run` runs, so that its busy share
    can be taken afterwards over the span the work itself took (`share`), known only once it
    is done: a window that also held the seconds around the work (processes starting, the
    statistics the consumer bench polls lagging by a second or two) read a third lower or
    higher (55% busy where the processes' own CPU summed to 74%)."""

    def __init__(self, every_s: float = 0.1) -> None:
        self.every_s = every_s
        self.samples: list[tuple[float, float]] = []  # (time.time(), busy seconds)

    async def run(self) -> None:
        while True:
            self.samples.append((time.time(), busy_seconds()))
            await asyncio.sleep(self.every_s)

    def share(self, start: float, end: float) -> float:
        """Busy share between the first and the last samples within [start, end] (epoch
        seconds); NaN when fewer than two fall inside."""
        within = [sample for sample in self.samples if start <= sample[0] <= end]
        if len(within) < 2:
            return float("nan")
        (t0, b0), (t1, b1) = within[0], within[-1]
        return busy_share(b1 - b0, t1 - t0)


def gc_time(probe_dir: Path, pid: int) -> tuple[float, int] | None:
    """(collector seconds, collections) so far of a Python process and its children, as
    written by `bench/gc_probe` (None for processes without it: Kafka, PostgreSQL)."""
    found = [probe_dir / str(p.pid) for p in _family(pid)]
    counts = [path.read_text().split() for path in found if path.exists()]
    if not counts:
        return None
    return sum(float(c[0]) for c in counts), sum(int(c[1]) for c in counts)


def gc_probe_env(probe_dir: Path) -> dict[str, str]:
    """Environment that makes a stack's Python services record their collector time."""
    here = str(Path(__file__).parent / "gc_probe")
    path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "SHOUWANG_GC_PROBE_DIR": str(probe_dir)}


def stack_processes(stack: Stack, service: str, label: str) -> dict[str, int]:
    """{name: pid} of one service (its API process and workers), its relay, Kafka, PostgreSQL."""
    found = {}
    for name, holder in (
        (label, stack.services.get(service)),
        (f"{service} outbox relay", stack.relays.get(service)),
        ("kafka broker", stack.kafka),
        ("postgresql", stack.postgres),
    ):
        if holder is not None and holder.proc is not None:
            found[name] = holder.proc.pid
    return found


class PeakRss:
    """Samples a process's resident memory in a thread, from now until it exits or, used as a
    context manager, until the block ends."""

    def __init__(self, pid: int, every_s: float = 0.05) -> None:
        self._process = psutil.Process(pid)
        self._every = every_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self._process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(self._every)

    def __enter__(self) -> PeakRss:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def more_instance(stack: Stack, service: str, n: int) -> ServiceProcess:
    """Instance n + 1 of a service, in the same consumer group (its relay is the stack's)."""
    definition = next(s for s in SERVICES if s.name == service)
    process = ServiceProcess(
        definition=definition,
        port=free_port(),
        log_path=stack.config.data_dir / "logs" / f"{service}-{n + 1}.log",
    )
    process.start({**stack.service_env(), f"{definition.env_prefix}OUTBOX_RELAY": "off"})
    return process

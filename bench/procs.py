"""CPU time of the stack's processes, for benchmarks that say where the time went."""

from __future__ import annotations

import psutil
from shouwang_stack.stack import Stack


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (0 once it is gone)."""
    try:
        root = psutil.Process(pid)
        family = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in family:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


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

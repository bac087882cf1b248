"""Linkage quality and speed: a labelled synthetic county through `shouwang-match link`.

Prints, for N persons and M warnings: precision of `auto`, recall of `auto` by ID class (valid,
broken, missing), the share sent to review, warnings/s through the CLI (index build apart) and
its peak memory.

    .tools/bin/uv run python -m bench.linkage --persons 1000000 --warnings 200000
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from bench.linkage_data import evaluate, registry, warnings, write_registry, write_warnings


class PeakRss:
    """Samples a process's resident memory until it exits."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.1)


def run_cli(work: Path) -> tuple[float, int, str]:
    """Seconds, peak RSS and stderr of one `shouwang-match link` run."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "matching.entrypoints.link_cli",
            "link",
            "--registry",
            str(work / "R.csv"),
            "--warnings",
            str(work / "W.csv"),
            "--out",
            str(work / "OUT.csv"),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    rss = PeakRss(proc.pid)
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(err)
    return time.perf_counter() - started, rss.peak, err


def index_only(work: Path, persons: int) -> float:
    """Seconds the CLI needs for the registry alone (an empty warnings file)."""
    empty = work / "empty"
    empty.mkdir(exist_ok=True)
    (empty / "R.csv").symlink_to(work / "R.csv")
    (empty / "W.csv").write_text(
        "warning_id,id_number,name,birth_date,village_code,phone\n", encoding="utf-8"
    )
    seconds, _, _ = run_cli(empty)
    return seconds


def main(persons: int, count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        people = list(registry(persons, seed=1))
        rows = list(warnings(people, count, seed=2))
        write_registry(work / "R.csv", people)
        write_warnings(work / "W.csv", rows)
        del people
        print(
            f"data: {persons:,} persons, {count:,} warnings "
            f"(made in {time.perf_counter() - started:.0f}s)"
        )
        build = index_only(work, persons)
        seconds, peak, _ = run_cli(work)
        with (work / "OUT.csv").open(encoding="utf-8") as handle:
            decided = {
                r["warning_id"]: (r["decision"], r["person_id"]) for r in csv.DictReader(handle)
            }
        metrics = evaluate(rows, decided)
        linking = max(seconds - build, 1e-9)
        print(
            f"precision of auto: {metrics.precision:.4%} ({metrics.auto_correct:,} of "
            f"{metrics.auto:,}); target ≥ 99.9%"
        )
        for cls, target in (("valid", 0.99), ("broken", 0.90), ("missing", 0.90)):
            print(f"recall, ID {cls:<8} {metrics.recall.get(cls, 0):.2%} (target ≥ {target:.0%})")
        print(f"review share: {metrics.review_share:.2%} (target ≤ 3%)")
        print(
            f"CLI: {seconds:.1f}s in all; index of {persons:,} persons {build:.1f}s; "
            f"{count / linking:,.0f} warnings/s linking; peak RSS {peak / 2**20:,.0f} MiB"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--warnings", type=int, default=200_000)
    arguments = parser.parse_args()
    main(arguments.persons, arguments.warnings)

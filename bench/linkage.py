"""Linkage quality and speed: a labelled synthetic county through `shouwang-match link`.

Prints, for N persons and M warnings: precision of `auto`, recall of `auto` by ID class (valid,
broken, missing), the share sent to review, warnings/s through the CLI (index build apart) and
its peak memory.

Then the same lines for Splink (`bench/splink_compare.py`: Splink 4 on DuckDB, its model
documented there) run on the same R.csv and W.csv in its own process, judged by the same
`evaluate` and `breakdown`, with its wall time (reading, training, prediction) and peak memory;
`--no-splink` leaves it out, `--splink-auto-at` / `--splink-review-at` move its thresholds.

    .tools/bin/uv run python -m bench.linkage --persons 1000000 --warnings 200000
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from matching import native

from bench import splink_compare
from bench.linkage_data import (
    LINK_ARGUMENTS,
    WarningRow,
    breakdown,
    evaluate,
    link_arguments,
    write_county,
)
from bench.procs import PeakRss


def run_cli(work: Path) -> tuple[float, int, str]:
    """Seconds, peak RSS and stderr of one `shouwang-match link` run."""
    return run([*LINK_ARGUMENTS, *link_arguments(work, "OUT.csv")])


def run(arguments: list[str]) -> tuple[float, int, str]:
    """Seconds, peak RSS and stderr of `python ARGUMENTS` in a process of its own."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *arguments], stderr=subprocess.PIPE, text=True)
    rss = PeakRss(proc.pid)
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(err)
    return time.perf_counter() - started, rss.peak, err


def timings(stderr: str) -> tuple[float, float]:
    """(index seconds, linking seconds) as the CLI reports them on its last line."""
    found = re.search(r"建索引 ([0-9.]+)s，比对 ([0-9.]+)s", stderr)
    if found is None:
        raise SystemExit(f"no timings in the CLI's output: {stderr[-300:]}")
    return float(found.group(1)), float(found.group(2))


def report(rows: list[WarningRow], decided: dict[str, tuple[str, str]]) -> None:
    """Precision, recall by ID class, review share and the breakdowns of one linker's OUT."""
    metrics = evaluate(rows, decided)
    print(
        f"precision of auto: {metrics.precision:.4%} ({metrics.auto_correct:,} of "
        f"{metrics.auto:,}); target ≥ 99.9%"
    )
    for cls, target in (("valid", 0.99), ("broken", 0.90), ("missing", 0.90)):
        print(f"recall, ID {cls:<8} {metrics.recall.get(cls, 0):.2%} (target ≥ {target:.0%})")
    print(f"review share: {metrics.review_share:.2%} (target ≤ 3%)")
    print(f"people the registry lacks reported unmatched: {metrics.unmatched_strangers:.2%}")
    wrong, missed = breakdown(rows, decided)
    for title, counts in (("wrong autos", wrong), ("misses", missed)):
        print(f"{title}: {sum(counts.values()):,}")
        for label, n in counts.most_common(8):
            print(f"  {n:6,} {label}")


def read_out(path: Path) -> dict[str, tuple[str, str]]:
    """{warning_id: (decision, person_id)} from an OUT file (ours or Splink's)."""
    with path.open(encoding="utf-8") as handle:
        return {r["warning_id"]: (r["decision"], r["person_id"]) for r in csv.DictReader(handle)}


def splink_timings(stderr: str) -> tuple[float, float, str, float, int]:
    """(reading s, training s, training's steps, prediction s, pairs scored) as Splink's last
    line gives them."""
    found = re.search(
        r"splink: prep ([0-9.]+)s, training ([0-9.]+)s (\(.*?\)), prediction ([0-9.]+)s, "
        r"([0-9,]+) pairs",
        stderr,
    )
    if found is None:
        raise SystemExit(f"no timings in Splink's output: {stderr[-300:]}")
    prep, training, steps, prediction, pairs = found.groups()
    return float(prep), float(training), steps, float(prediction), int(pairs.replace(",", ""))


def main(
    persons: int,
    count: int,
    *,
    with_splink: bool = True,
    auto_at: float = splink_compare.AUTO_AT,
    review_at: float = splink_compare.REVIEW_AT,
    seed: int = 1,
) -> None:
    print(f"matching linker: {native.in_use()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        # the registry's rows are freed here
        rows = write_county(work, persons, count, seeds=(seed, seed + 1))[1]
        print(
            f"data: {persons:,} persons, {count:,} warnings, seed {seed} "
            f"(made in {time.perf_counter() - started:.0f}s)"
        )
        seconds, peak, err = run_cli(work)
        build, linking = timings(err)
        report(rows, read_out(work / "OUT.csv"))
        print(
            f"CLI: {seconds:.1f}s in all; index of {persons:,} persons {build:.1f}s; "
            f"{count / max(linking, 1e-9):,.0f} warnings/s linking; "
            f"peak RSS {peak / 2**20:,.0f} MiB"
        )
        if not with_splink:
            return
        print(
            f"\nSplink {splink_compare.splink_version()} (DuckDB), same files: auto at "
            f"match probability ≥ {auto_at}, review at ≥ {review_at}, else unmatched"
        )
        seconds, peak, err = run(
            [
                "-m",
                "bench.splink_compare",
                *link_arguments(work, "SPLINK.csv"),
                "--auto-at",
                str(auto_at),
                "--review-at",
                str(review_at),
            ]
        )
        prep, training, steps, prediction, pairs = splink_timings(err)
        report(rows, read_out(work / "SPLINK.csv"))
        print(
            f"Splink: {seconds:.1f}s in all; training + prediction "
            f"{training + prediction:.1f}s (training {training:.1f}s {steps}, prediction "
            f"{prediction:.1f}s, {pairs:,} pairs at ≥ {review_at}); reading and normalising "
            f"the files {prep:.1f}s; {count / max(prediction, 1e-9):,.0f} warnings/s "
            f"predicting; peak RSS {peak / 2**20:,.0f} MiB"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--warnings", type=int, default=200_000)
    parser.add_argument(
        "--splink",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run Splink on the same files (bench/splink_compare.py)",
    )
    parser.add_argument("--splink-auto-at", type=float, default=splink_compare.AUTO_AT)
    parser.add_argument("--splink-review-at", type=float, default=splink_compare.REVIEW_AT)
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        help="another county: the registry from this seed, the warnings from the next (1: the "
        "county the documented numbers are from)",
    )
    arguments = parser.parse_args()
    main(
        arguments.persons,
        arguments.warnings,
        with_splink=arguments.splink,
        auto_at=arguments.splink_auto_at,
        review_at=arguments.splink_review_at,
        seed=arguments.seed,
    )

"""Console benchmark: 100,000 open cases loaded into casework's database with COPY, then the
console's main pages measured over HTTP with the stack running (console → casework, intake,
notifier, gateway), p50 / p95 per page beside the 300 ms target.

    .tools/bin/uv run python -m bench.console_pages --cases 100000 --requests 200
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from casework.adapters.bulk import ACTION_COLUMNS, CASE_COLUMNS, CLOCK_COLUMNS, SIGNAL_COLUMNS
from casework.adapters.tables import SCHEMA
from shouwang_stack.demo import DEMO_OFFICERS
from shouwang_stack.stack import Stack, StackConfig

TARGET_MS = 300.0
TOWNSHIPS = [(f"532929{101 + t:03d}", f"第{t + 1}镇") for t in range(10)]
AGENCIES = [
    ("civil_affairs", "new_dibao"),
    ("medical_insurance", "high_out_of_pocket"),
    ("housing", "dangerous_house"),
    ("emergency_management", "disaster_affected"),
]


def synthetic_cases(count: int) -> dict[str, list[tuple[Any, ...]]]:
    """Rows for cases, clocks, signals and actions: `count` open cases across 10 townships ×
    10 villages; a quarter overdue, some accepted (with an assignee), most awaiting acceptance."""
    rng = random.Random(8)
    now = datetime.now(UTC)
    out: dict[str, list[tuple[Any, ...]]] = {
        "cases": [],
        "clocks": [],
        "signals": [],
        "actions": [],
    }
    for n in range(count):
        case_id, household = uuid.uuid4(), uuid.uuid4()
        township, township_name = TOWNSHIPS[n % 10]
        village = f"{township}{1 + (n // 10) % 10:03d}"
        opened = now - timedelta(hours=rng.randint(1, 24 * 60))
        accepted = rng.random() < 0.3
        out["cases"].append(
            (
                case_id,
                f"SW-BENCH-{n:07d}",
                household,
                f"H{n:015d}",
                village,
                f"第{1 + (n // 10) % 10}村",
                township_name,
                "李*",
                "accepted" if accepted else "awaiting_acceptance",
                True,
                opened,
                f"town-{township}" if accepted else None,
            )
        )
        overdue = rng.random() < 0.25
        due = (
            now - timedelta(hours=rng.randint(1, 500))
            if overdue
            else now + timedelta(hours=rng.randint(1, 200))
        )
        out["clocks"].append(
            (
                uuid.uuid4(),
                case_id,
                "compare" if accepted else "accept",
                "working_days:2" if accepted else "same_working_day",
                "breached" if overdue else "running",
                opened,
                due,
                False,
                None,
            )
        )
        for agency, signal in rng.sample(AGENCIES, rng.choice((1, 1, 2))):
            out["signals"].append(
                (uuid.uuid4(), case_id, agency, signal, date(2026, 10, 5), opened)
            )
        if accepted:
            out["actions"].append((case_id, "accept", f"town-{township}", opened, "受理", "{}"))
    return out


async def load(database_url: str, count: int) -> float:
    """COPY the synthetic cases into casework's tables; seconds taken."""
    rows = synthetic_cases(count)
    started = time.perf_counter()
    connection = await asyncpg.connect(database_url)
    try:
        # casework's own column lists (what its consumer COPYs), plus what the console's
        # filters read that a fresh case does not have yet.
        columns = {
            "cases": (*CASE_COLUMNS, "assignee"),
            "clocks": (*CLOCK_COLUMNS, "stopped_at"),
            "signals": SIGNAL_COLUMNS,
            "actions": (*ACTION_COLUMNS, "details"),
        }
        for table, names in columns.items():
            await connection.copy_records_to_table(
                table, schema_name=SCHEMA, records=rows[table], columns=names
            )
        await connection.execute("ANALYZE casework.cases, casework.clocks, casework.signals")
        await connection.execute("ANALYZE casework.actions")
        return time.perf_counter() - started
    finally:
        await connection.close()


async def measure(client: httpx.AsyncClient, path: str, requests: int) -> tuple[float, float]:
    """(p50, p95) in milliseconds of GET `path`, after a short warm-up."""
    for _ in range(5):
        (await client.get(path)).raise_for_status()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = await client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    cuts = statistics.quantiles(times, n=100)
    return statistics.median(times), cuts[94]


async def main(count: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(StackConfig.ephemeral(Path(tmp) / "stack"))
        stack.config.env.update(
            {
                "LOG_LEVEL": "WARNING",
                "CASEWORK_SCHEDULER_INTERVAL_S": "3600",
                "CONSOLE_DIRECTORY_FILE": str(DEMO_OFFICERS),
            }
        )
        try:
            await stack.start_infrastructure()
            await stack.start_services()
            seconds = await load(stack.database_url, count)
            print(f"loaded {count:,} open cases with COPY in {seconds:.1f}s")
            base = stack.url("console")
            async with httpx.AsyncClient(base_url=base, timeout=30) as county:
                login = await county.post(
                    "/login", data={"officer_id": "county-office", "password": "demo-county-office"}
                )
                assert login.status_code == 303, login.text
                case_id = (
                    await httpx.AsyncClient().get(
                        f"{stack.url('casework')}/v1/cases",
                        params={"limit": 1, "clock": "overdue"},
                        headers={"Authorization": "Bearer " + county.cookies["shouwang_session"]},
                    )
                ).json()["items"][0]["case_id"]
                pages = {
                    "queue (county, page 1)": "/",
                    "queue 已超时": "/?clock=overdue",
                    "queue 待我办理": "/?clock=mine",
                    "queue filtered (township + agency)": (
                        f"/?township={TOWNSHIPS[3][0]}000&agency=medical_insurance"
                    ),
                    "queue page 100": "/?offset=4950",
                    "queue rows (10 s refresh)": "/?fragment=1",
                    "case page": f"/cases/{case_id}",
                    "reports and charts": "/reports",
                    "feed health": "/feeds",
                    "calendar": "/calendar",
                }
                started = time.perf_counter()
                (await county.get("/reports")).raise_for_status()
                cold = (time.perf_counter() - started) * 1000
                print(f"reports and charts, first ask (report cache cold): {cold:.0f} ms")
                print(f"{'page':<38}{'p50 ms':>9}{'p95 ms':>9}   target p95 < {TARGET_MS:.0f} ms")
                for name, path in pages.items():
                    p50, p95 = await measure(county, path, requests)
                    verdict = "ok" if p95 < TARGET_MS else "SLOW"
                    print(f"{name:<38}{p50:>9.1f}{p95:>9.1f}   {verdict}")
        finally:
            stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.cases, arguments.requests))

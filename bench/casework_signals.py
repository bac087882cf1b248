"""Casework benchmark: matched signals/s into cases through casework's Kafka consumer, with
the database's ceiling measured in the same run.

    .tools/bin/uv run python -m bench.casework_signals --signals 20000 [--profile out.txt]

What is measured:
- A backlog of `--signals` warning.matched events over `--households` households (so about
  a third join a case that is already open, some of them inside the same poll) is produced to
  shouwang.matching.outcomes first; then casework starts and drains it. Signals/s is counted
  from outside, by polling casework.signals: (signals committed between the first and the last
  observation) / (time between them), so it counts only committed work, the same way whatever
  batch size the consumer uses. The time until the outbox is fully published to
  shouwang.cases (by casework's relay process, as under `make run`) is printed too.
- The ceiling: every row that casework wrote for those signals — cases, clocks, signals,
  actions (trail), audit_log, outbox and inbox — is read back and COPYed, the same rows, into
  tables of the same shape and indexes (`CREATE TABLE … (LIKE casework.… INCLUDING ALL)`,
  without foreign keys), one COPY per table, timed together. Signals/s of the ceiling is the
  number of signals divided by that time: what the database would take if casework did no
  work but writing its rows. The relay deletes outbox rows once Kafka has them, so the
  outbox's rows are rebuilt from what it published to shouwang.cases (the message id read
  from each value); casework writes no inbox rows (its handler makes repeats no-ops), so that
  table stays empty on both sides. A single-table COPY of the signal rows alone is printed beside it
  (rows/s) for comparison with older runs of this bench, which used that as the ceiling.

Kafka, PostgreSQL, this script and casework share the machine; the load average is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
from shouwang_kit.messaging import make_producer
from shouwang_proto import decode, encode_event
from shouwang_proto.events import PersonRef, WarningMatchedV1, WarningReceivedV1
from shouwang_proto.topics import CASES, MATCHING_OUTCOMES
from shouwang_stack.kafka import records_so_far
from shouwang_stack.services import ServiceProcess
from shouwang_stack.stack import Stack, StackConfig

from bench.procs import cpu_seconds, more_instance

# Everything casework writes per signal (cases and clocks only for a new case).
TABLES = ("cases", "clocks", "signals", "actions", "audit_log", "outbox", "inbox")


def matched(count: int, households: int) -> list[tuple[bytes, bytes]]:
    """`count` matched warnings over `households` households (so some join an open case)."""
    rng = random.Random(3)
    homes = [uuid.uuid4() for _ in range(households)]
    now = datetime.now(UTC)
    out = []
    for n in range(count):
        household = rng.choice(homes)
        warning = WarningReceivedV1(
            warning_id=uuid.uuid4(),
            agency_code=rng.choice(["civil_affairs", "medical_insurance", "housing"]),
            signal_type="new_dibao",
            source_record_id=f"B-{n}",
            period="2026-10",
            occurred_on=date(2026, 10, 5),
            person=PersonRef(name="李玉兰"),
            received_at=now,
        )
        payload = WarningMatchedV1(
            warning=warning,
            household_id=household,
            household_number=f"H-{household.hex[:8]}",
            person_id=uuid.uuid4(),
            region_code="532929101001",
            village_name="诺邓村",
            township_name="诺邓镇",
            masked_name="李*",
            method="exact_id",
            score=1.0,
            reasons=["id_number:exact"],
        )
        value = encode_event(
            payload,
            id=uuid.uuid4(),
            time=now,
            source="bench",
            subject=str(household),
            correlation_id=warning.warning_id,
        )
        out.append((str(household).encode(), value))
    return out


async def produce(bootstrap_servers: str, messages: list[tuple[bytes, bytes]]) -> None:
    """The backlog, on the topic before casework starts."""
    producer = make_producer(bootstrap_servers)
    await producer.start()
    try:
        for start in range(0, len(messages), 5000):
            futures = [
                await producer.send(MATCHING_OUTCOMES.name, value, key=key)
                for key, value in messages[start : start + 5000]
            ]
            await asyncio.gather(*futures)
    finally:
        await producer.stop()


# Every signal appends one audit entry in the transaction that attaches it, so the chain's
# last seq counts committed signals, read off the primary key (a count(*) of the signals
# every 50 ms would itself load the database).
_COMMITTED = "SELECT coalesce(max(seq), 0) FROM casework.audit_log"
_UNPUBLISHED = "SELECT EXISTS (SELECT 1 FROM casework.outbox WHERE published_at IS NULL)"


async def committed(database_url: str) -> int:
    """Signals committed so far (0 before casework's migrations ran)."""
    connection = await asyncpg.connect(database_url)
    try:
        return int(await connection.fetchval(_COMMITTED))
    except asyncpg.UndefinedTableError:
        return 0
    finally:
        await connection.close()


async def drain(
    database_url: str, count: int, on_first: Callable[[], None]
) -> tuple[float, int, int, float]:
    """(signals/s committed, signals, signals at the first observation, seconds until the
    outbox was published) as seen from outside, polling every 50 ms; `on_first` is called
    when the first commit is seen."""
    connection = await asyncpg.connect(database_url)
    try:
        while True:
            try:
                first = int(await connection.fetchval(_COMMITTED))
            except asyncpg.UndefinedTableError:  # not migrated yet
                first = 0
            if first:
                break
            await asyncio.sleep(0.05)
        started = time.perf_counter()
        on_first()
        done = first
        while done < count:
            await asyncio.sleep(0.05)
            done = int(await connection.fetchval(_COMMITTED))
        finished = time.perf_counter()
        while await connection.fetchval(_UNPUBLISHED):
            await asyncio.sleep(0.05)
        published = time.perf_counter()
        signals = int(await connection.fetchval("SELECT count(*) FROM casework.signals"))
    finally:
        await connection.close()
    rate = (done - first) / max(finished - started, 1e-9)
    return rate, signals, first, published - started


async def published_outbox_rows(bootstrap_servers: str) -> list[tuple[object, ...]]:
    """The outbox rows casework wrote, rebuilt from what its relay published (it deletes them
    after), in the table's column order: seq, message_id, topic, key, value, created_at,
    published_at."""
    now = datetime.now(UTC)
    return [
        (seq, decode(r.value).id, CASES.name, r.key.decode(), r.value, now, None)
        for seq, r in enumerate(await records_so_far(bootstrap_servers, CASES.name), start=1)
        if r.key is not None and r.value is not None
    ]


async def copy_ceiling(
    database_url: str, count: int, outbox_rows: list[tuple[object, ...]]
) -> tuple[float, float, dict[str, int]]:
    """(signals/s, rows/s) of COPYing every row casework wrote into same-shaped tables, and
    the row count per table; then (rows/s) of the signal rows alone into a plain table."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS bench_ceiling CASCADE")
        await connection.execute("CREATE SCHEMA bench_ceiling")
        data: dict[str, list[asyncpg.Record]] = {}
        for table in TABLES:
            await connection.execute(
                f"CREATE TABLE bench_ceiling.{table} (LIKE casework.{table} INCLUDING ALL)"
            )
            if table == "outbox":
                left = await connection.fetchval("SELECT count(*) FROM casework.outbox")
                assert left == 0, "the ceiling expects the relay to have deleted the outbox"
                data[table] = outbox_rows
            else:
                data[table] = await connection.fetch(f"SELECT * FROM casework.{table}")
        rows = sum(len(r) for r in data.values())
        started = time.perf_counter()
        async with connection.transaction():
            for table, records in data.items():
                await connection.copy_records_to_table(
                    table, schema_name="bench_ceiling", records=records
                )
        seconds = time.perf_counter() - started
        await connection.execute(
            "CREATE TABLE bench_ceiling.plain_signals (warning_id uuid, case_id uuid,"
            " agency_code text, signal_type text, occurred_on date, attached_at timestamptz)"
        )
        started = time.perf_counter()
        await connection.copy_records_to_table(
            "plain_signals", schema_name="bench_ceiling", records=data["signals"]
        )
        plain = len(data["signals"]) / (time.perf_counter() - started)
        return (
            count / seconds,
            rows / seconds,
            {t: len(r) for t, r in data.items()} | {"plain_signals_rows_per_s": int(plain)},
        )
    finally:
        await connection.execute("DROP SCHEMA IF EXISTS bench_ceiling CASCADE")
        await connection.close()


def start_profiler(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling casework's process (top functions, as text) until stopped."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--rate",
            "200",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def main(count: int, households: int, instances: int, profile: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(StackConfig.ephemeral(Path(tmp) / "stack"))
        stack.config.env.update({"LOG_LEVEL": "WARNING", "CASEWORK_SCHEDULER_INTERVAL_S": "3600"})
        extra: list[ServiceProcess] = []
        try:
            await stack.start_infrastructure()
            await produce(stack.bootstrap_servers, matched(count, households))
            load_before = os.getloadavg()[0]
            # All instances start together (a backlog waits for the group, not for one);
            # the drain is watched from before they start, whenever the first commit comes.
            extra.extend(more_instance(stack, "casework", n) for n in range(1, instances))
            ready = asyncio.gather(
                stack.start_services(["casework"]), *(p.wait_ready() for p in extra)
            )
            cpu_before: dict[str, float] = {}
            pids: dict[str, int] = {}
            profiler: subprocess.Popen[bytes] | None = None

            def first_commit() -> None:
                nonlocal profiler
                processes = {
                    "casework": stack.services["casework"],
                    **{f"casework #{n + 2}": p for n, p in enumerate(extra)},
                    **({"casework relay": r} if (r := stack.relays.get("casework")) else {}),
                }
                pids.update({k: p.proc.pid for k, p in processes.items() if p.proc})
                if stack.postgres and stack.postgres.proc:
                    pids["postgres"] = stack.postgres.proc.pid
                if stack.kafka and stack.kafka.proc:
                    pids["kafka"] = stack.kafka.proc.pid
                cpu_before.update({name: cpu_seconds(pid) for name, pid in pids.items()})
                if profile:
                    profiler = start_profiler(pids["casework"], profile)

            rate, done, before, published_s = await drain(stack.database_url, count, first_commit)
            await ready
            cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
            load_after = os.getloadavg()[0]
            if profiler is not None:
                profiler.send_signal(2)
                profiler.wait(timeout=30)
            async with asyncpg.create_pool(stack.database_url, min_size=1, max_size=1) as pool:
                opened = await pool.fetchval("SELECT count(*) FROM casework.cases")
            stack.services["casework"].stop()
            for process in extra:
                process.stop()
            outbox_rows = await published_outbox_rows(stack.bootstrap_servers)
            ceiling, ceiling_rows, per_table = await copy_ceiling(
                stack.database_url, done, outbox_rows
            )
            plain = per_table.pop("plain_signals_rows_per_s")
            rows = ", ".join(f"{t} {n:,}" for t, n in per_table.items())
            print(
                f"casework consumer: {done:,} signals into {opened:,} cases (the rest joined "
                f"an open case): {rate:,.0f} signals/s committed; all {done:,} case events "
                f"published to Kafka {published_s:.1f}s after the first commit"
            )
            print(
                f"ceiling: COPY of the same rows ({rows}) into same-shaped tables: "
                f"{ceiling:,.0f} signals/s ({ceiling_rows:,.0f} rows/s); "
                f"signal rows alone into a plain table: {plain:,.0f} rows/s"
            )
            print(
                f"ratio: {rate / ceiling:.1%} of the ceiling; target ≥ 10,000 signals/s and "
                f"≥ 10%: {'met' if rate >= 10_000 and rate / ceiling >= 0.10 else 'NOT met'}"
            )
            print(
                f"CPU per signal over the {done - before:,} signals after the first commit "
                "(to the outbox published): "
                + ", ".join(
                    f"{name} {seconds / (done - before) * 1e6:.0f} µs"
                    for name, seconds in cpu.items()
                )
                + f"; total {sum(cpu.values()) / (done - before) * 1e6:.0f} µs"
            )
            print(
                f"load average (1 min, 2 cores): {load_before:.2f} before casework started, "
                f"{load_after:.2f} after the drain"
            )
        finally:
            for process in extra:
                process.stop()
            stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--signals", type=int, default=20_000)
    parser.add_argument("--households", type=int, default=15_000)
    parser.add_argument(
        "--instances", type=int, default=1, help="casework processes in the consumer group"
    )
    parser.add_argument("--profile", type=Path, help="py-spy samples of casework (raw format)")
    arguments = parser.parse_args()
    asyncio.run(
        main(arguments.signals, arguments.households, arguments.instances, arguments.profile)
    )

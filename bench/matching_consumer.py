"""Matching through Kafka: warnings/s through the matching service's consumer, against a
pass-through ceiling measured in the same run (consume the same messages and produce them on,
acks=all and idempotent, no matching and no database, producing the way the services do;
aiokafka's slower per-message `send`, the ceiling until 2026-12-07, is printed beside it for
comparison with earlier runs); with `--instances N`, also the
pass-through in N processes at once (`bench/pass_through.py`). The machine's speed drifts (by half
within an hour on these machines), so the consumer runs in `--rounds` (3): ceiling, round,
ceiling, round, ..., ceiling, each round a new month's warnings with matching started afresh,
and each round is set against the ceilings just before and after it (the median is printed).
After the last round (unless `--no-floors`), two floors with no database at all
(`bench/matching_floor.py`): consume, decode and produce; consume, decode, resolve, encode the
outcome and produce — what any consumer doing matching's per-warning work in Python can pass.

    .tools/bin/uv run python -m bench.matching_consumer --persons 1000000 --warnings 200000

The registry read model is loaded straight into matching's tables (as the registry consumer
would leave it); the service is started as a process and its rate is taken from the decision
times in its database (first to last, the last poll left out), so start-up and the index load
are reported apart.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
from matching import native
from matching.bootstrap import MIGRATIONS, SCHEMA
from shouwang_kit.crypto import DEV_DATA_KEYS, FieldCipher
from shouwang_kit.idnumber import check_char
from shouwang_kit.messaging import make_producer
from shouwang_kit.migrations import upgrade
from shouwang_kit.pii import keyed_hash
from shouwang_proto import encode_event
from shouwang_proto.events import PersonRef, WarningReceivedV1
from shouwang_proto.topics import WARNINGS
from shouwang_stack.stack import Stack, StackConfig

from bench.matching_floor import STAGES, floor_process
from bench.pass_through import pass_through, pass_through_processes
from bench.procs import (
    BusySampler,
    cpu_seconds,
    gc_probe_env,
    gc_time,
    more_instance,
    stack_processes,
)

PSEUDONYM_KEY = "shouwang-dev-pseudonym-key"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国玉红"


def _id(rng: random.Random) -> str:
    first17 = f"532929{rng.randint(1940, 2015)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 += f"{rng.randrange(1000):03d}"
    return first17 + check_char(first17)


async def load_registry(database_url: str, persons: int) -> list[tuple[str, str]]:
    """Households and persons straight into matching's read model; returns (ID, name) pairs."""
    rng = random.Random(11)
    cipher = FieldCipher(DEV_DATA_KEYS)
    household_rows: list[tuple[object, ...]] = []
    person_rows: list[tuple[object, ...]] = []
    people: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(person_rows) < persons:
        household_id = uuid.uuid4()
        village = f"532929{rng.randrange(101, 113):03d}{rng.randrange(1, 16):03d}"
        household_rows.append(
            (household_id, f"H{len(household_rows):012d}", village, "村", "镇", "ordinary", False)
        )
        surname = rng.choice(SURNAMES)
        for _ in range(rng.randint(1, 6)):
            while (id_number := _id(rng)) in seen:
                pass
            seen.add(id_number)
            name = surname + rng.choice(GIVEN) + rng.choice(["", rng.choice(GIVEN)])
            people.append((id_number, name))
            person_rows.append(
                (
                    uuid.uuid4(),
                    household_id,
                    keyed_hash(PSEUDONYM_KEY, id_number),
                    cipher.encrypt(id_number, field="id_number"),
                    name,
                    village,
                    len(person_rows) + 1,
                )
            )
    connection = await asyncpg.connect(database_url)
    try:
        await connection.copy_records_to_table(
            "households",
            schema_name=SCHEMA,
            records=household_rows,
            columns=[
                "household_id",
                "household_number",
                "region_code",
                "village_name",
                "township_name",
                "category",
                "removed",
            ],
        )
        await connection.copy_records_to_table(
            "persons",
            schema_name=SCHEMA,
            records=person_rows,
            columns=[
                "person_id",
                "household_id",
                "id_hash",
                "id_enc",
                "name",
                "region_code",
                "seq",
            ],
        )
        await connection.execute(f"SELECT setval('{SCHEMA}.person_seq', {len(person_rows)})")
    finally:
        await connection.close()
    return people


def warning_messages(
    people: list[tuple[str, str]], count: int, round: int = 0
) -> list[tuple[bytes, bytes]]:
    """Warnings: 80% about registered people, 10% not in the registry, 10% without an ID.

    Each `round` (0–8) draws other people and reports another month, so that a round's work
    is like the first's (new household signals, no repeats of earlier source records)."""
    rng = random.Random(5 + round)
    now = datetime.now(UTC)
    out = []
    for n in range(count):
        roll = rng.random()
        if roll < 0.8:
            id_number, name = rng.choice(people)
        elif roll < 0.9:
            id_number, name = _id(rng), "未在库"
        else:
            id_number, name = "", rng.choice(people)[1]
        warning = WarningReceivedV1(
            warning_id=uuid.uuid4(),
            agency_code="civil_affairs",
            signal_type="new_dibao",
            source_record_id=f"B{round}-{n}",
            period=f"2026-{10 - round:02d}",
            occurred_on=date(2026, 10, 5),
            person=PersonRef(name=name, id_number=id_number or None),
            received_at=now,
        )
        key = keyed_hash(PSEUDONYM_KEY, id_number) if id_number else str(warning.warning_id)
        value = encode_event(
            warning,
            id=uuid.uuid4(),
            time=now,
            source="bench",
            subject=key,
            correlation_id=warning.warning_id,
        )
        out.append((key.encode(), value))
    return out


async def produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for start in range(0, len(messages), 5000):
            futures = [
                await producer.send(topic, value, key=key)
                for key, value in messages[start : start + 5000]
            ]
            await asyncio.gather(*futures)
    finally:
        await producer.stop()


_INSERTED = (
    "SELECT n_tup_ins FROM pg_stat_user_tables"
    f" WHERE schemaname = '{SCHEMA}' AND relname = 'decisions'"
)
_DECIDED = f"SELECT count(*) FROM {SCHEMA}.decisions"
# PostgreSQL's log so far (backends report theirs within a second or so) and its checkpoints.
WAL = """
SELECT wal_records, wal_fpi, wal_bytes,
       (SELECT num_timed + num_requested FROM pg_stat_checkpointer) AS checkpoints
FROM pg_stat_wal
"""


async def main(persons: int, warnings: int, instances: int, rounds: int, floors: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(StackConfig.ephemeral(Path(tmp) / "stack"))
        stack.config.env.update({"LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")})
        probes = Path(tmp) / "gc"
        probes.mkdir()
        stack.config.env.update(gc_probe_env(probes))
        try:
            await stack.start_infrastructure()
            await asyncio.to_thread(upgrade, MIGRATIONS, stack.database_url, SCHEMA)
            started = time.perf_counter()
            people = await load_registry(stack.database_url, persons)
            print(f"matching linker: {native.in_use()}")
            print(
                f"registry read model: {len(people):,} persons loaded "
                f"in {time.perf_counter() - started:.0f}s"
            )
            ceilings: list[float] = []
            # aiokafka's per-message `send`: printed for comparison with earlier runs.
            per_message: list[float] = []
            # With several instances, also the pass-through in as many processes (`many`):
            # the consumer is set against both.
            many: list[float] = []
            rates = []
            for round in range(rounds):
                # Matching is stopped between rounds: the next round's warnings go onto Kafka
                # and the ceiling is measured with nothing else running.
                await produce(
                    stack.bootstrap_servers,
                    WARNINGS.name,
                    warning_messages(people, warnings, round),
                )
                when = f"before round {round + 1}"
                ceilings.append(await _ceiling(stack, warnings, when))
                per_message.append(await _ceiling(stack, warnings, when, batched=False))
                if instances > 1:
                    many.append(await _ceiling(stack, warnings, when, instances))
                rates.append(
                    await _consume_round(stack, probes, warnings, instances, round, ceilings[-1])
                )
            floor_rates = {}
            if floors:  # after the last round, before the last ceiling
                for stage in STAGES:
                    floor_rates[stage] = await _floor(stack, warnings, stage)
            ceilings.append(await _ceiling(stack, warnings, "after the last round"))
            per_message.append(
                await _ceiling(stack, warnings, "after the last round", batched=False)
            )
            if instances > 1:
                many.append(await _ceiling(stack, warnings, "after the last round", instances))
            for label, measured in [
                ("", ceilings),
                (" (aiokafka's per-message send, the ceiling until 2026-12-07)", per_message),
                (f" in {instances} processes", many),
            ]:
                if not measured:
                    continue
                shares = sorted(
                    rate / ceiling
                    for n, rate in enumerate(rates)
                    for ceiling in (measured[n], measured[n + 1])
                )
                print(
                    f"the consumer against the ceilings{label} just before and after each of its "
                    f"{rounds} round(s): {shares[0]:.0%}–{shares[-1]:.0%}, "
                    f"median {statistics.median(shares):.0%}"
                )
            for stage, rate in floor_rates.items():
                low, high = sorted(rate / ceiling for ceiling in ceilings[-2:])
                print(
                    f"floor {stage}: {low:.0%}–{high:.0%} of the ceilings before the last round "
                    f"and after it; the consumer's median round is "
                    f"{statistics.median(rates) / rate:.0%} of it"
                )
            if os.environ.get("BENCH_KEEP_LOGS"):
                shutil.copytree(Path(tmp) / "stack" / "logs", os.environ["BENCH_KEEP_LOGS"])
        finally:
            stack.stop()


async def _ceiling(
    stack: Stack, warnings: int, when: str, processes: int = 1, batched: bool = True
) -> float:
    """The pass-through over the topic's first `warnings` messages (in one process, or in
    `processes` at once), with the machine's load while it ran. `batched`: produced as the
    services do (else aiokafka's per-message `send`, one process)."""
    sampler = BusySampler()
    sampling = asyncio.create_task(sampler.run())
    try:
        if processes == 1:
            rate = await pass_through(stack.bootstrap_servers, WARNINGS.name, warnings, batched)
            label = "" if batched else ", aiokafka's per-message send"
        else:
            rate = await pass_through_processes(
                stack.bootstrap_servers, WARNINGS.name, warnings, processes
            )
            label = f" in {processes} processes"
        end = time.time()  # the rate's span ends as the last message is in the sink
    finally:
        sampling.cancel()
    busy = sampler.share(end - warnings / rate, end)
    print(
        f"ceiling  pass-through consume → produce (acks=all){label}, {when}: {rate:,.0f} "
        f"warnings/s (machine {busy:.0%} busy)"
    )
    return rate


async def _floor(stack: Stack, warnings: int, stage: str) -> float:
    """One floor (`bench/matching_floor.py`) over the topic's first `warnings` messages."""
    rate = await floor_process(
        stack.bootstrap_servers, stack.database_url, WARNINGS.name, warnings, stage
    )
    what = FLOOR_WORK[stage]
    print(f"floor    {what}, then produce (acks=all), no database: {rate:,.0f} warnings/s")
    return rate


FLOOR_WORK = {
    "decode": "consume → decode and validate each envelope",
    "link": "consume → decode → resolve against the index → the outcome encoded",
}


async def _consume_round(
    stack: Stack, probes: Path, warnings: int, instances: int, round: int, ceiling: float
) -> float:
    """Start matching (and more instances), wait until it has decided this round's warnings,
    print its rate and CPU per warning, stop it; returns the rate."""
    up = time.perf_counter()
    connection = await asyncpg.connect(stack.database_url)
    # This round's decisions: those after the ones already there (read before matching
    # starts: with a small registry it may decide the whole round before a later look).
    target = round * warnings + warnings
    since = await connection.fetchval(
        f"SELECT max(decided_at) FROM {SCHEMA}.decisions"
    ) or datetime(1970, 1, 1, tzinfo=UTC)
    extra = [more_instance(stack, "matching", n) for n in range(1, instances)]
    sampler = BusySampler()
    sampling = asyncio.create_task(sampler.run())
    try:
        await asyncio.gather(stack.start_services(["matching"]), *(p.wait_ready() for p in extra))
        pids = stack_processes(stack, "matching", "matching service")
        pids.update({f"matching #{n + 2}": p.proc.pid for n, p in enumerate(extra) if p.proc})
        cpu_from: tuple[int, dict[str, float]] | None = None
        gc_from: dict[str, tuple[float, int] | None] = {}
        wal_from: Any = None
        from_at = float("inf")
        while True:
            # Progress from the statistics (a count(*) of the decisions every half second was
            # itself a load on the database: ~30 ms at 500,000 rows), confirmed by one count.
            done = (await connection.fetchval(_INSERTED) or 0) - round * warnings
            if done >= warnings and await connection.fetchval(_DECIDED) >= target:
                break
            if done > 0 and cpu_from is None:  # the index is loaded, warnings flow
                cpu_from = (done, {n: cpu_seconds(p) for n, p in pids.items()})
                gc_from = {n: gc_time(probes, p) for n, p in pids.items()}
                wal_from = await connection.fetchrow(WAL)
                from_at = time.time()
            await asyncio.sleep(0.5)
        cpu_to = {n: cpu_seconds(p) for n, p in pids.items()}
        gc_to = {n: gc_time(probes, p) for n, p in pids.items()}
        wal_to = await connection.fetchrow(WAL)
        # A poll's decisions carry the time it started: the last poll's rows were decided
        # after `last`, so they are left out of the rate.
        first, last, in_last = await connection.fetchrow(
            f"SELECT min(decided_at), max(decided_at), count(*) FILTER (WHERE decided_at ="
            f" (SELECT max(decided_at) FROM {SCHEMA}.decisions)) FROM {SCHEMA}.decisions"
            " WHERE decided_at > $1",
            since,
        )
        outcomes = dict(
            await connection.fetch(
                f"SELECT outcome, count(*) FROM {SCHEMA}.decisions WHERE decided_at > $1"
                " GROUP BY outcome",
                since,
            )
        )
    finally:
        sampling.cancel()
        await connection.close()
        for process in extra:
            process.stop()
        stack.stop_services(["matching"])
    seconds = (last - first).total_seconds()
    rate = (warnings - in_last) / seconds if seconds else float("nan")
    print(
        f"matching consumer, round {round + 1}: {warnings:,} warnings in {seconds:.1f}s = "
        f"{rate:,.0f}/s ({rate / ceiling:.0%} of the ceiling before it); start-up and index "
        f"load {time.perf_counter() - up - seconds:.0f}s; outcomes {outcomes}"
    )
    if cpu_from is not None and warnings > cpu_from[0]:
        counted = warnings - cpu_from[0]
        # Busy from the CPU readings' start to the last decision (not the statistics' lag).
        machine = sampler.share(from_at, last.timestamp())

        def per_warning(seconds: float) -> str:
            return f"{1e6 * seconds / counted:.0f} µs"

        def collector(n: str) -> str:
            before, after = gc_from.get(n), gc_to.get(n)
            if before is None or after is None:
                return ""
            seconds, collections = after[0] - before[0], after[1] - before[1]
            return f" (garbage collector {per_warning(seconds)}, {collections:,} runs)"

        print(
            f"         CPU per warning (over the last {counted:,}): "
            + ", ".join(
                f"{n} {per_warning(cpu_to[n] - cpu_from[1][n])}{collector(n)}" for n in pids
            )
            + f"; the machine {machine:.0%} busy"
        )
        wal_bytes = (wal_to["wal_bytes"] - wal_from["wal_bytes"]) / counted
        print(
            f"         WAL per warning: {wal_bytes:,.0f}"
            f" bytes, {(wal_to['wal_fpi'] - wal_from['wal_fpi']) / counted:.2f} full-page images"
            f" (a page's first change after a checkpoint writes it whole);"
            f" checkpoints {wal_to['checkpoints'] - wal_from['checkpoints']}"
        )
    return rate


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--warnings", type=int, default=200_000)
    parser.add_argument(
        "--instances", type=int, default=1, help="matching processes in the consumer group"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        choices=range(1, 10),
        metavar="1-9",
        help="consumer runs, each between two ceiling runs (the machine's speed drifts)",
    )
    parser.add_argument(
        "--floors",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="after the last round, the floors of bench/matching_floor.py (decode; decode, "
        "resolve and encode) with no database",
    )
    arguments = parser.parse_args()
    asyncio.run(
        main(
            arguments.persons,
            arguments.warnings,
            arguments.instances,
            arguments.rounds,
            arguments.floors,
        )
    )

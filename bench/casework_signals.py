"""Casework benchmark: matched signals/s into cases through casework's Kafka consumer (each
opens a case with its clock, or joins the household's open case; trail and responsibility
trace written), and, in the same run, raw COPY of the same rows into a plain table as the
database's ceiling.

    .tools/bin/uv run python -m bench.casework_signals --signals 20000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
from shouwang_kit.messaging import make_producer
from shouwang_proto import encode_event
from shouwang_proto.events import PersonRef, WarningMatchedV1, WarningReceivedV1
from shouwang_proto.topics import MATCHING_OUTCOMES
from shouwang_stack.stack import Stack, StackConfig


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


async def copy_ceiling(database_url: str, count: int) -> float:
    """Rows/s of a raw COPY of `count` signal-shaped rows into a plain table."""
    rows = [
        (
            uuid.uuid4(),
            uuid.uuid4(),
            "civil_affairs",
            "new_dibao",
            date(2026, 10, 5),
            datetime.now(UTC),
        )
        for _ in range(count)
    ]
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "CREATE TABLE bench_signals (warning_id uuid, case_id uuid, agency_code text,"
            " signal_type text, occurred_on date, attached_at timestamptz)"
        )
        started = time.perf_counter()
        await connection.copy_records_to_table("bench_signals", records=rows)
        return count / (time.perf_counter() - started)
    finally:
        await connection.execute("DROP TABLE IF EXISTS bench_signals")
        await connection.close()


async def main(count: int, households: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(StackConfig.ephemeral(Path(tmp) / "stack"))
        stack.config.env.update({"LOG_LEVEL": "WARNING", "CASEWORK_SCHEDULER_INTERVAL_S": "3600"})
        try:
            await stack.start_infrastructure()
            await stack.start_services(["casework"])
            ceiling = await copy_ceiling(stack.database_url, count)
            print(f"ceiling  raw COPY of {count:,} signal rows: {ceiling:,.0f} rows/s")
            producer = make_producer(stack.bootstrap_servers)
            await producer.start()
            try:
                messages = matched(count, households)
                for start in range(0, count, 5000):
                    futures = [
                        await producer.send(MATCHING_OUTCOMES.name, value, key=key)
                        for key, value in messages[start : start + 5000]
                    ]
                    await asyncio.gather(*futures)
            finally:
                await producer.stop()
            connection = await asyncpg.connect(stack.database_url)
            try:
                while (await connection.fetchval("SELECT count(*) FROM casework.signals")) < count:
                    await asyncio.sleep(0.5)
                first, last = await connection.fetchrow(
                    "SELECT min(attached_at), max(attached_at) FROM casework.signals"
                )
                opened = await connection.fetchval("SELECT count(*) FROM casework.cases")
            finally:
                await connection.close()
            seconds = max((last - first).total_seconds(), 1e-9)
            rate = count / seconds
            print(
                f"casework consumer: {count:,} signals into {opened:,} cases in {seconds:.1f}s = "
                f"{rate:,.0f} signals/s ({rate / ceiling:.1%} of raw COPY); "
                "target ≥ 10,000/s and ≥ 10%"
            )
        finally:
            stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--signals", type=int, default=20_000)
    parser.add_argument("--households", type=int, default=15_000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.signals, arguments.households))

"""Notifier benchmark against a local Alibaba Cloud SMS fake that checks signatures and answers
after a realistic latency:

1. notifications/s: N queued deliveries through the notifier's dispatcher; in the same run, the
   ceiling: the same number of signed sends straight to the fake at the same concurrency;
2. breach → provider call: casework's scheduler and the notifier as processes on real Kafka and
   PostgreSQL, 1,000 acceptance clocks running out over one minute (1,000 breaches/min); prints
   the time from each clock's due moment to the provider receiving its SMS (target: under 1 s).

    .tools/bin/uv run python -m bench.notifier --deliveries 2000 --breaches 1000 --latency 0.1
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from casework.adapters.bulk import CASE_COLUMNS, CLOCK_COLUMNS
from casework.adapters.tables import SCHEMA
from notifier.adapters.channels import OutgoingMessage
from notifier.adapters.providers import AliyunSmsChannel
from shouwang_stack.demo import DEMO_OFFICERS
from shouwang_stack.stack import Stack, StackConfig

from tests.fakes.sms_providers import FakeAliyun, serve

VILLAGE = "532929101001"
MESSAGE = OutgoingMessage("bench", template="case_opened", params={"case": "SW-1"})


async def ceiling(url: str, fake: FakeAliyun, count: int, concurrency: int) -> float:
    """Signed sends straight to the fake, `concurrency` at a time."""
    async with httpx.AsyncClient(timeout=5) as client:
        channel = AliyunSmsChannel(
            client,
            base_url=url,
            access_key_id=fake.access_key_id,
            access_key_secret=fake.access_key_secret,
            sign_name="守望",
            templates={"case_opened": "SMS_1"},
        )
        started = time.perf_counter()
        for start in range(0, count, concurrency):
            batch = range(start, min(count, start + concurrency))
            await asyncio.gather(*(channel.send("13900000001", MESSAGE) for _ in batch))
        return count / (time.perf_counter() - started)


async def queued_rate(database_url: str, fake: FakeAliyun, count: int) -> float:
    """Queue `count` deliveries in the notifier's table; time until the fake has them all."""
    before = len(fake.sent)
    now = datetime.now(UTC)
    rows = [
        (
            uuid.uuid4().hex + uuid.uuid4().hex,
            uuid.uuid4(),
            "sms_aliyun",
            "13900000001",
            "bench",
            "pending",
            0,
            now,
            now,
            "case_opened",
            '{"case": "SW-1"}',
        )
        for _ in range(count)
    ]
    connection = await asyncpg.connect(database_url)
    try:
        started = time.perf_counter()
        await connection.copy_records_to_table(
            "deliveries",
            schema_name="notifier",
            records=rows,
            columns=[
                "delivery_key",
                "event_id",
                "channel",
                "recipient",
                "message",
                "status",
                "attempts",
                "next_attempt_at",
                "created_at",
                "template",
                "params",
            ],
        )
    finally:
        await connection.close()
    while len(fake.sent) - before < count:
        await asyncio.sleep(0.05)
    return count / (time.perf_counter() - started)


async def breaches(database_url: str, fake: FakeAliyun, count: int) -> list[float]:
    """`count` acceptance clocks due over the next minute; latency due → SMS received."""
    start = datetime.now(UTC) + timedelta(seconds=5)
    spacing = 60.0 / count
    cases, clocks = [], []
    due_by_case: dict[str, datetime] = {}
    for n in range(count):
        case_id, number = uuid.uuid4(), f"SW-BENCH-{n:05d}"
        due = start + timedelta(seconds=n * spacing)
        due_by_case[number] = due
        cases.append(
            (
                case_id,
                number,
                uuid.uuid4(),
                "H",
                VILLAGE,
                "诺邓村",
                "诺邓镇",
                "李*",
                "awaiting_acceptance",
                True,
                start,
            )
        )
        clocks.append(
            (
                uuid.uuid4(),
                case_id,
                "accept",
                "same_working_day",
                "running",
                start,
                due,
                False,
                True,
            )
        )
    connection = await asyncpg.connect(database_url)
    try:
        await connection.copy_records_to_table(
            "cases", schema_name=SCHEMA, records=cases, columns=CASE_COLUMNS
        )
        await connection.copy_records_to_table(
            "clocks",
            schema_name=SCHEMA,
            records=clocks,
            columns=(*CLOCK_COLUMNS, "alerted_due_soon"),
        )
    finally:
        await connection.close()
    seen: dict[str, float] = {}
    deadline = time.time() + 60 + 60
    while len(seen) < count and time.time() < deadline:
        for query, arrived in zip(fake.sent, fake.arrivals, strict=True):
            number = _case_of(query)
            if number in due_by_case and number not in seen:
                seen[number] = arrived - due_by_case[number].timestamp()
        await asyncio.sleep(0.2)
    return sorted(seen.values())


def _case_of(query: dict[str, str]) -> str:
    param = query.get("TemplateParam", "")
    marker = '"case": "'
    return param.split(marker, 1)[1].split('"', 1)[0] if marker in param else ""


async def main(deliveries: int, breach_count: int, latency: float) -> None:
    fake = FakeAliyun(latency=latency)
    async with serve(fake.app()) as url:
        with tempfile.TemporaryDirectory() as tmp:
            stack = Stack(StackConfig.ephemeral(Path(tmp) / "stack"))
            stack.config.env.update(
                {
                    "LOG_LEVEL": "WARNING",
                    "NOTIFIER_DIRECTORY_FILE": str(DEMO_OFFICERS),
                    "NOTIFIER_PERSONAL_CHANNELS": "sms_aliyun",
                    "NOTIFIER_ALIYUN_BASE_URL": url,
                    "NOTIFIER_ALIYUN_ACCESS_KEY_ID": fake.access_key_id,
                    "NOTIFIER_ALIYUN_ACCESS_KEY_SECRET": fake.access_key_secret,
                    "NOTIFIER_QUIET_START": "00:00",
                    "NOTIFIER_QUIET_END": "00:00",
                    "NOTIFIER_DIGEST_AT": "",
                    "CASEWORK_SCHEDULER_INTERVAL_S": "0.2",
                }
            )
            try:
                await stack.start_infrastructure()
                await stack.start_services(["casework", "notifier"])
                top = await ceiling(url, fake, deliveries, 50)
                print(
                    f"provider latency {latency * 1000:.0f} ms; ceiling: direct signed sends "
                    f"(50 at a time) {top:,.0f}/s"
                )
                rate = await queued_rate(stack.database_url, fake, deliveries)
                print(
                    f"notifier dispatch: {deliveries:,} queued deliveries at {rate:,.0f}/s "
                    f"({rate / top:.0%} of the ceiling)"
                )
                late = await breaches(stack.database_url, fake, breach_count)
                if late:
                    p50, p95 = statistics.median(late), late[int(0.95 * (len(late) - 1))]
                    print(
                        f"breach → provider: {len(late):,} of {breach_count:,} breaches over one "
                        f"minute; p50 {p50:.2f}s, p95 {p95:.2f}s, max {late[-1]:.2f}s "
                        f"(target < 1 s)"
                    )
                else:
                    print("breach → provider: no SMS arrived")
            finally:
                stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--breaches", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.deliveries, arguments.breaches, arguments.latency))

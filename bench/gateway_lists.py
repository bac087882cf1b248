"""Monthly-list ingestion: rows/s until durable, against raw aiokafka throughput as the ceiling.

Run: `.tools/bin/uv run python -m bench.gateway_lists [--rows 100000] [--memory-rows 1000000]`.
Starts its own Kafka, PostgreSQL and one gateway process (the same launcher as the tests).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import httpx
import psutil
from aiokafka import AIOKafkaProducer
from shouwang_kit.messaging import make_producer, send_in_batches
from shouwang_kit.pii import keyed_hash
from shouwang_proto import Envelope, encode
from shouwang_proto.events import PersonRef, WarningReceivedV1
from shouwang_proto.topics import Topic
from shouwang_stack.demo import DEMO_AGENCY_KEYS, DEMO_API_KEY
from shouwang_stack.kafka import create_topics
from shouwang_stack.stack import Stack, StackConfig

from bench.procs import PeakRss, cpu_seconds, stack_processes
from bench.synthetic import rows, write_csv, write_json, write_xlsx

CONTENT_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _envelopes(count: int) -> list[tuple[bytes, bytes]]:
    now = datetime.now(UTC)
    out = []
    for row in rows(count):
        warning = WarningReceivedV1(
            warning_id=uuid.uuid4(),
            agency_code="civil_affairs",
            signal_type="new_dibao",
            period="2026-10",
            occurred_on=date.fromisoformat(str(row[6])),
            person=PersonRef(name=str(row[0]), id_number=str(row[1]), phone=str(row[4])),
            details={"amount": float(str(row[5])), "township": "诺邓镇", "village": "诺邓村"},
            received_at=now,
        )
        key = keyed_hash("bench", str(row[1]))
        envelope = Envelope.wrap(
            warning,
            id=uuid.uuid4(),
            time=now,
            source="bench",
            subject=key,
            correlation_id=warning.warning_id,
        )
        out.append((key.encode(), encode(envelope)))
    return out


class RawKafkaCeiling:
    """Rows/s for the same messages sent straight to Kafka (idempotent, acks=all), the way the
    gateway's relay sends them (`send_in_batches`: aiokafka's batch interface, 5,000 messages
    a call); or, `batched=False`, through aiokafka's per-message `send`, the ceiling this bench
    used until 2026-12-07 (2–3× slower on these machines: aiokafka's own Python, not Kafka)."""

    def __init__(self, bootstrap: str, count: int) -> None:
        self._bootstrap = bootstrap
        self._messages = _envelopes(count)
        self._topic = Topic(
            name=f"bench.raw.{uuid.uuid4().hex[:6]}", description="", key="", events=()
        )
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        await create_topics(self._bootstrap, (self._topic,))
        self._producer = make_producer(self._bootstrap)
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def measure(self, passes: int = 1, batched: bool = True) -> float:
        """The best of `passes` sends of every message."""
        assert self._producer is not None
        best = 0.0
        topic = self._topic.name
        for _ in range(passes):
            started = time.perf_counter()
            if batched:
                for at in range(0, len(self._messages), 5000):
                    chunk = self._messages[at : at + 5000]
                    await send_in_batches(self._producer, [(topic, k, v) for k, v in chunk])
            else:
                futures = [
                    await self._producer.send(topic, value, key=key)
                    for key, value in self._messages
                ]
                await asyncio.gather(*futures)
            best = max(best, len(self._messages) / (time.perf_counter() - started))
        return best


async def upload(
    base: str, path: Path, fmt: str, period: str, pid: int
) -> tuple[float, int, dict[str, int]]:
    """POST a file; seconds until the 202 (rows durable), the peak RSS, and the counts."""

    async def body() -> AsyncIterator[bytes]:
        with path.open("rb") as handle:
            while chunk := handle.read(256 * 1024):
                yield chunk

    async with httpx.AsyncClient(timeout=3600) as client:
        with PeakRss(pid) as rss:
            started = time.perf_counter()
            answer = await client.post(
                f"{base}/v1/batches",
                params={"period": period},
                content=body(),
                headers={"X-Api-Key": DEMO_API_KEY, "Content-Type": CONTENT_TYPES[fmt]},
            )
            elapsed = time.perf_counter() - started
    answer.raise_for_status()
    return elapsed, rss.peak, answer.json()["counts"]


async def _drained(stack: Stack) -> None:
    """Wait until the relay has published the outbox (so it does not load the next ceiling)."""
    conn = await asyncpg.connect(stack.database_url)
    try:
        while await conn.fetchval("SELECT count(*) FROM gateway.outbox WHERE published_at IS NULL"):
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def main(rows_count: int, memory_rows: int, formats: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stack = Stack(StackConfig.ephemeral(work / "stack"))
        stack.config.env.update(
            {
                "GATEWAY_API_KEYS_FILE": str(DEMO_AGENCY_KEYS),
                "GATEWAY_RATE_LIMIT_PER_MINUTE": "100000",
                "GATEWAY_PARSE_WORKERS": os.environ.get("GATEWAY_PARSE_WORKERS", "1"),
                "LOG_LEVEL": "WARNING",
            }
        )
        try:
            await stack.start_infrastructure()
            await stack.start_services(["agency-gateway"])
            gateway = stack.services["agency-gateway"]
            assert gateway.proc is not None
            base, pid = gateway.url, gateway.proc.pid
            pids = stack_processes(stack, "agency-gateway", "gateway API + parse worker")
            print(f"machine: {psutil.cpu_count()} cores; rows per list: {rows_count:,}")
            raw = RawKafkaCeiling(stack.bootstrap_servers, rows_count)
            await raw.start()
            # The broker's JIT warms up on the first passes: keep the best of three.
            ceiling = await raw.measure(passes=3)
            per_message = await raw.measure(passes=3, batched=False)
            print(
                f"ceiling  raw aiokafka producer (acks=all, idempotent; batch interface, as the "
                f"relay sends): {ceiling:,.0f} rows/s\n"
                f"         (aiokafka's per-message send, the ceiling until 2026-12-07: "
                f"{per_message:,.0f} rows/s, {ceiling / per_message:.1f}× slower)"
            )
            print(
                "         (measured again just before and after each list, so that each share is "
                "taken against the machine as it was: other work on these 2 cores moves both)"
            )
            months = iter(f"2025-{m:02d}" for m in range(1, 13))
            writers: dict[str, Callable[..., Path]] = {
                "csv": write_csv,
                "json": write_json,
                "xlsx": write_xlsx,
            }
            for seed, fmt in enumerate(formats):
                write = writers[fmt]
                # Other people in each list: nothing the gateway cached for one list helps the next.
                path = write(work / f"list.{fmt}", rows_count, seed=seed + 11)
                ceiling_before = await raw.measure()
                before = {n: cpu_seconds(p) for n, p in pids.items()}
                seconds, peak, counts = await upload(base, path, fmt, next(months), pid)
                used = {n: cpu_seconds(p) - before[n] for n, p in pids.items()}
                await _drained(stack)
                ceiling_after = await raw.measure()
                around = (ceiling_before + ceiling_after) / 2
                rate = rows_count / seconds
                print(
                    f"{fmt:<5}    {rows_count:,} rows durable in {seconds:.1f}s "
                    f"= {rate:,.0f} rows/s "
                    f"({rate / around:.0%} of the ceiling around it: {ceiling_before:,.0f} before,"
                    f" {ceiling_after:,.0f} after; {rate / ceiling:.0%} of the first; "
                    f"{rate / per_message:.0%} of the per-message send)\n"
                    f"         new={counts['new']:,} rejected={counts['rejected']:,}; "
                    f"gateway peak RSS {peak / 2**20:.0f} MiB"
                )
                print(
                    "         CPU seconds while it ran: "
                    + ", ".join(f"{name} {value:.1f}" for name, value in used.items())
                )
            if memory_rows:
                for count in (rows_count, memory_rows):
                    path = write_csv(work / f"memory-{count}.csv", count, seed=count)
                    seconds, peak, _ = await upload(base, path, "csv", next(months), pid)
                    print(
                        f"memory   {count:>9,}-row CSV ({path.stat().st_size / 2**20:.0f} MiB): "
                        f"gateway peak RSS {peak / 2**20:.0f} MiB, {count / seconds:,.0f} rows/s"
                    )
            await raw.stop()
        finally:
            stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--formats", default="csv,json,xlsx", help="which lists to post, in order (csv,json,xlsx)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.memory_rows, args.formats.split(",")))

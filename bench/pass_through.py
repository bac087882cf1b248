"""The pass-through ceiling: consume a topic's messages and produce every one on to a sink
(acks=all, idempotent), committing the offsets after each poll, with no matching and no
database. It produces the way the services do (`shouwang_kit.messaging.send_in_batches`:
aiokafka's batch interface, partitions from compiled murmur2) and polls as many records as
the matching consumer (5,000); `batched=False` measures aiokafka's per-message `send` with
polls of 2,000 instead, the ceiling the benches used until 2026-12-07 (2.5× slower on these
machines: most of its time is aiokafka's own Python, not Kafka's). In one process
(`pass_through`), or in several at once for consumers measured with several instances
(`pass_through_processes`, `bench.matching_consumer --instances N`), each moving its share of
the source topic's partitions.

Each of several processes is given its partitions (no group membership: a rebalance while
the second one joins would stall the first). The clock starts at the first poll that brought
messages, in any process, and stops when the sink holds `count` messages.

    python -m bench.pass_through BOOTSTRAP SOURCE SINK GROUP INDEX OF   # one process (internal)
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from shouwang_kit.messaging import make_producer, send_in_batches
from shouwang_proto.topics import Topic
from shouwang_stack.kafka import create_topics

# What a poll's records become before they are produced (key, value each), for consumers
# that do some work on the way (`bench/matching_floor.py`); by default each record as it came.
Transform = Callable[[list[ConsumerRecord[bytes, bytes]]], list[tuple[bytes, bytes]]]


def _as_they_came(records: list[ConsumerRecord[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(record.key, record.value) for record in records]


async def _move(
    consumer: AIOKafkaConsumer,
    producer: AIOKafkaProducer,
    sink: str,
    first: Callable[[], None],
    count: int | None = None,
    batched: bool = True,
    transform: Transform = _as_they_came,
) -> None:
    """Poll, produce each record on to `sink`, wait for Kafka's acknowledgements, commit; until
    `count` records have come (None: until cancelled). `first` is called at the first poll
    that brought records. `batched`: produce as the services do (see the module's text), each
    poll's records through `transform` first."""
    seen = 0
    while count is None or seen < count:
        batches = await consumer.getmany(timeout_ms=1000, max_records=5000 if batched else 2000)
        if batches and not seen:
            first()
        if batched:
            messages = [
                (sink, key, value)
                for key, value in transform(
                    [record for records in batches.values() for record in records]
                )
            ]
            await send_in_batches(producer, messages)
            moved = len(messages)
        else:
            futures = [
                await producer.send(sink, record.value, key=record.key)
                for records in batches.values()
                for record in records
            ]
            await asyncio.gather(*futures)
            moved = len(futures)
        if batches:
            await consumer.commit()
        seen += moved


async def pass_through(
    bootstrap: str,
    source: str,
    count: int,
    batched: bool = True,
    transform: Transform = _as_they_came,
) -> float:
    """Messages/s to consume `count` messages and produce each on (acks=all), committing;
    batched, each poll's records through `transform` on the way."""
    sink = Topic(name="bench.pass-through", description="", key="", events=(), partitions=6)
    await create_topics(bootstrap, (sink,))
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=f"bench-pass-{uuid.uuid4().hex[:6]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = make_producer(bootstrap)
    await consumer.start()
    await producer.start()
    starts: list[float] = []
    try:
        await _move(
            consumer,
            producer,
            sink.name,
            lambda: starts.append(time.perf_counter()),
            count,
            batched,
            transform,
        )
        return count / (time.perf_counter() - starts[0])
    finally:
        await consumer.stop()
        await producer.stop()


async def pass_through_processes(bootstrap: str, source: str, count: int, processes: int) -> float:
    """Messages/s to move `count` messages from `source` to a new sink in `processes`
    processes."""
    sink = Topic(
        name=f"bench.pass-through-{uuid.uuid4().hex[:6]}",
        description="",
        key="",
        events=(),
        partitions=6,
    )
    await create_topics(bootstrap, (sink,))
    group = f"bench-pass-{uuid.uuid4().hex[:6]}"
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.pass_through",
            bootstrap,
            source,
            sink.name,
            group,
            str(n),
            str(processes),
            stdout=asyncio.subprocess.PIPE,
        )
        for n in range(processes)
    ]
    watcher = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await watcher.start()
    try:
        partitions = [TopicPartition(sink.name, p) for p in range(sink.partitions)]
        while True:
            if any(child.returncode is not None for child in children):
                raise RuntimeError("a pass-through process ended early (its error is above)")
            ends = await watcher.end_offsets(partitions)
            if sum(ends.values()) >= count:
                finished = time.time()
                break
            await asyncio.sleep(0.02)
    finally:
        await watcher.stop()
        for child in children:
            child.terminate()
    starts = []
    for child in children:
        out, _ = await child.communicate()
        starts += [float(line.split()[1]) for line in out.decode().splitlines() if line]
    return count / (finished - min(starts))


async def _one(bootstrap: str, source: str, sink: str, group: str, index: int, of: int) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = make_producer(bootstrap)
    await consumer.start()
    await producer.start()
    partitions = sorted(await producer.partitions_for(source))
    mine = [TopicPartition(source, p) for p in partitions if p % of == index]
    consumer.assign(mine)
    await consumer.seek_to_beginning(*mine)
    try:
        await _move(consumer, producer, sink, lambda: print(f"first {time.time()}", flush=True))
    finally:
        await consumer.stop()
        await producer.stop()


if __name__ == "__main__":
    bootstrap, source, sink, group, index, of = sys.argv[1:7]
    asyncio.run(_one(bootstrap, source, sink, group, int(index), int(of)))

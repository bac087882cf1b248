"""Outbox → real Kafka → inbox consumer: ordered, exactly once in the database, poison to DLQ."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_kit.messaging import (
    InboxConsumer,
    Outbox,
    OutboxRelay,
    Polled,
    make_producer,
    messaging_tables,
    purge_processed,
    send_in_batches,
)
from shouwang_proto import Envelope, decode, encode
from shouwang_proto.events import PersonRef, WarningReceivedV1
from shouwang_proto.topics import DEAD_LETTERS, Topic
from shouwang_stack.kafka import create_topics
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Infra

PROTO_SAMPLES = Path(__file__).resolve().parents[2] / "proto" / "samples"

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _envelope(subject: str, n: int) -> Envelope:
    warning = WarningReceivedV1(
        warning_id=uuid.uuid4(),
        agency_code="civil_affairs",
        signal_type="new_dibao",
        occurred_on=date(2026, 11, 20),
        person=PersonRef(name=f"测试{n}"),
        details={"n": n},
        received_at=NOW,
    )
    return Envelope.wrap(
        warning,
        id=uuid.uuid4(),
        time=NOW,
        source="test",
        subject=subject,
        correlation_id=uuid.uuid4(),
    )


class Harness:
    """A private schema, topic and consumer group per test."""

    def __init__(self, infra: Infra) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.schema = f"it_{suffix}"
        self.topic = Topic(name=f"it.{suffix}", description="", key="", events=(), partitions=3)
        self.metadata = MetaData(schema=self.schema)
        self.outbox, self.inbox = messaging_tables(self.metadata)
        self.seen = Table(
            "seen",
            self.metadata,
            Column("seq", Integer, primary_key=True, autoincrement=True),
            Column("subject", String(50)),
            Column("n", Integer),
        )
        self.engine = make_engine(infra.database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.infra = infra
        self.fail_on: set[int] = set()
        self.calls = 0
        self.in_flight = self.most_in_flight = 0
        # Batches given with the bytes each envelope came in, and those given without them.
        self.with_bytes = self.without_bytes = 0
        self.echo: str | None = None  # a topic each handled record is published on, after

    async def setup(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            await conn.run_sync(self.metadata.create_all)
        await create_topics(self.infra.bootstrap_servers, (self.topic,))

    async def handler(self, session: AsyncSession, envelope: Envelope, outbox: Outbox) -> None:
        self.calls += 1
        n = int(envelope.parsed().model_dump()["details"]["n"])
        if self.echo:  # queued before failing: a failure must take it back
            outbox.publish_after_commit(self.echo, [(envelope.subject, encode(envelope))])
        if n in self.fail_on:
            raise RuntimeError(f"cannot handle {n}")
        await session.execute(self.seen.insert().values(subject=envelope.subject, n=n))

    async def batch_handler(
        self, session: AsyncSession, envelopes: list[Envelope], outbox: Outbox
    ) -> None:
        """The records one by one, in one transaction held open a moment (so that
        concurrent ones overlap and are counted)."""
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if isinstance(envelopes, Polled) and [decode(v) for v in envelopes.values] == envelopes:
            self.with_bytes += 1
        else:
            self.without_bytes += 1
        try:
            await asyncio.sleep(0.3)
            for envelope in envelopes:
                await self.handler(session, envelope, outbox)
        finally:
            self.in_flight -= 1

    def consumer(
        self,
        producer: AIOKafkaProducer,
        group: str = "it-group",
        *,
        batch: bool = False,
        concurrency: int | None = None,
        event_types: frozenset[str] | None = None,
    ) -> InboxConsumer:
        """With `concurrency`, a batch-handler consumer with that many transactions a poll."""
        return InboxConsumer(
            name=group,
            topics=[self.topic.name],
            handler=self.handler,
            bootstrap_servers=self.infra.bootstrap_servers,
            sessions=self.sessions,
            inbox=self.inbox,
            outbox=self.outbox,
            producer=producer,
            max_attempts=2,
            batch=batch,
            batch_handler=self.batch_handler if concurrency else None,
            batch_concurrency=concurrency or 1,
            event_types=event_types,
        )

    def relay(self, producer: AIOKafkaProducer, **options: Any) -> OutboxRelay:
        """A relay over this harness's outbox (`options`: batch size, keep_published, ...)."""
        return OutboxRelay(table=self.outbox, sessions=self.sessions, producer=producer, **options)

    async def seen_rows(self) -> list[tuple[str, int]]:
        async with self.sessions() as session:
            rows = (await session.execute(select(self.seen).order_by(self.seen.c.seq))).all()
        return [(r.subject, r.n) for r in rows]

    async def wait_for(self, count: int, timeout: float = 30) -> list[tuple[str, int]]:
        async with asyncio.timeout(timeout):
            while len(rows := await self.seen_rows()) < count:
                await asyncio.sleep(0.1)
        return rows


@pytest.fixture
async def harness(infra: Infra) -> AsyncIterator[Harness]:
    h = Harness(infra)
    await h.setup()
    yield h
    await h.engine.dispose()


@contextlib.asynccontextmanager
async def running(consumer: InboxConsumer) -> AsyncIterator[None]:
    await consumer.start()
    task = asyncio.create_task(consumer.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.stop()


def refuse_dead_letter_once(producer: AIOKafkaProducer) -> list[KafkaError]:
    """The producer's next send_and_wait (the dead letter) fails; the list empties when it
    has."""
    real_send = producer.send_and_wait
    refusals = [KafkaError("dead-letter topic unavailable")]

    async def send_once_refused(*args: Any, **kwargs: Any) -> Any:
        if refusals:
            raise refusals.pop()
        return await real_send(*args, **kwargs)

    producer.send_and_wait = send_once_refused
    return refusals


async def run_again_until(consumer: InboxConsumer, harness: Harness, count: int) -> None:
    """Run the loop again (as the service's supervisor does) until `count` rows are in, and
    a second longer (anything extra would arrive then)."""
    task = asyncio.create_task(consumer.run())
    try:
        await harness.wait_for(count)
        await asyncio.sleep(1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def send_over_three_partitions(
    harness: Harness, producer: AIOKafkaProducer, count: int
) -> None:
    """Records 0..count-1, record n on partition n % 3 with subject `p<partition>`."""
    for n in range(count):
        key = f"p{n % 3}"
        await producer.send(
            harness.topic.name, encode(_envelope(key, n)), key=key.encode(), partition=n % 3
        )
    await producer.flush()


def assert_each_partition_in_order(rows: list[tuple[str, int]]) -> None:
    for key in ("p0", "p1", "p2"):
        in_order = [n for s, n in rows if s == key]
        assert in_order == sorted(in_order)


@pytest.mark.parametrize("keep_published", [True, False], ids=["kept", "deleted"])
async def test_outbox_rows_reach_the_consumer_once_each_in_order_per_key(
    harness: Harness, keep_published: bool
) -> None:
    producer = make_producer(harness.infra.bootstrap_servers)
    await producer.start()
    try:
        async with harness.sessions() as session, session.begin():
            outbox = Outbox(harness.outbox, session)
            for n in range(30):
                await outbox.add(harness.topic.name, _envelope(f"household-{n % 3}", n))
        relay = harness.relay(producer, batch_size=7, keep_published=keep_published)
        published = 0
        while (batch := await relay.publish_pending()) > 0:
            published += batch
        assert published == 30
        assert await relay.publish_pending() == 0  # nothing is published twice
        async with harness.sessions() as session:
            left = (await session.execute(select(harness.outbox.c.published_at))).all()
        # Kept rows carry the time they were published; otherwise none is left behind.
        assert len(left) == (30 if keep_published else 0)
        assert all(published_at is not None for (published_at,) in left)

        async with running(harness.consumer(producer)):
            rows = await harness.wait_for(30)
        assert sorted(n for _s, n in rows) == list(range(30))
        for key in ("household-0", "household-1", "household-2"):
            ns = [n for s, n in rows if s == key]
            assert ns == sorted(ns), f"{key} out of order: {ns}"
    finally:
        await producer.stop()


async def test_batched_sends_land_where_send_puts_them_in_order_and_split_when_full(
    infra: Infra,
) -> None:
    """The relay's batch interface must agree with `producer.send` (Java's murmur2 partitions),
    keep each key's order, and split a partition's messages over several batches when they
    exceed the producer's batch size (here 512 KiB: 1,200 messages of 1 KiB on one key)."""
    suffix = uuid.uuid4().hex[:8]
    topics = [
        Topic(name=f"it.{name}.{suffix}", description="", key="", events=(), partitions=5)
        for name in ("batched", "sent")
    ]
    await create_topics(infra.bootstrap_servers, tuple(topics))
    keys = [uuid.uuid4().hex.encode() for _ in range(200)]
    messages = [(keys[n % 200], f"{n:06d}".encode()) for n in range(2000)]
    messages += [(b"one-busy-household", f"{n:06d}".encode() + b"x" * 1024) for n in range(1200)]
    producer = make_producer(infra.bootstrap_servers)
    await producer.start()
    try:
        await send_in_batches(producer, [(topics[0].name, k, v) for k, v in messages])
        await asyncio.gather(
            *[await producer.send(topics[1].name, value=v, key=k) for k, v in messages]
        )
    finally:
        await producer.stop()

    async def read(topic: str) -> list[tuple[bytes, int, bytes]]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=infra.bootstrap_servers, auto_offset_reset="earliest"
        )
        await consumer.start()
        got: list[tuple[bytes, int, bytes]] = []
        try:
            async with asyncio.timeout(30):
                while len(got) < len(messages):
                    for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                        got += [(r.key, tp.partition, r.value) for r in records if r.key]
        finally:
            await consumer.stop()
        return got

    batched, sent = await read(topics[0].name), await read(topics[1].name)
    assert len(batched) == len(messages)  # each message once
    assert {k: p for k, p, _ in batched} == {k: p for k, p, _ in sent}
    assert len({p for _k, p, _v in batched}) == 5  # the keys spread over every partition
    for key in [*keys, b"one-busy-household"]:
        values = [v for k, _p, v in batched if k == key]
        assert values == [v for k, v in messages if k == key]  # in the order they were given


@pytest.mark.parametrize("busy", [False, True], ids=["then-idle", "while-busy"])
async def test_a_row_committed_after_later_ones_were_published_is_still_published(
    harness: Harness, busy: bool
) -> None:
    """A straggler: its transaction took a seq first but committed after the relay had moved
    past it. It is published by the sweep (at once when the relay finds nothing newer, else
    within the sweep interval)."""
    producer = make_producer(harness.infra.bootstrap_servers)
    await producer.start()
    relay = harness.relay(producer, keep_published=False, sweep_interval_s=0.3)
    try:
        async with harness.sessions() as slow, slow.begin():
            await Outbox(harness.outbox, slow).add(harness.topic.name, _envelope("late", 0))
            async with harness.sessions() as fast, fast.begin():
                for n in range(1, 4):
                    await Outbox(harness.outbox, fast).add(harness.topic.name, _envelope("on", n))
            assert await relay.publish_pending() == 3  # the straggler is not committed yet
        if busy:  # newer rows keep the relay above the floor: the timed sweep finds it
            await asyncio.sleep(0.35)
            async with harness.sessions() as more, more.begin():
                await Outbox(harness.outbox, more).add(harness.topic.name, _envelope("on", 4))
        published = 0
        while (batch := await relay.publish_pending()) > 0:
            published += batch
        assert published == (2 if busy else 1)
        async with running(harness.consumer(producer)):
            rows = await harness.wait_for(5 if busy else 4)
        assert sorted(n for _s, n in rows) == list(range(5 if busy else 4))
    finally:
        await producer.stop()


async def test_a_redelivered_message_is_a_no_op_and_offsets_are_committed(
    harness: Harness,
) -> None:
    producer = make_producer(harness.infra.bootstrap_servers)
    await producer.start()
    try:
        envelope = _envelope("household-x", 1)
        for _ in range(3):
            await producer.send_and_wait(harness.topic.name, encode(envelope), key=b"household-x")
        await producer.send_and_wait(
            harness.topic.name, encode(_envelope("household-x", 2)), key=b"household-x"
        )
        async with running(harness.consumer(producer)):
            rows = await harness.wait_for(2)
            await asyncio.sleep(0.5)
        assert rows == [("household-x", 1), ("household-x", 2)]
        assert harness.calls == 2  # the two repeats never reached the handler

        # A restarted member of the same group starts after the committed offsets.
        harness.calls = 0
        async with running(harness.consumer(producer)):
            await asyncio.sleep(3)
        assert harness.calls == 0
    finally:
        await producer.stop()


@pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch"])
async def test_event_types_not_asked_for_pass_by_without_a_transaction(
    harness: Harness, batch: bool
) -> None:
    """A consumer given `event_types` hands only those to its handler; another event on its
    topic leaves no inbox row and its offset is committed like the rest."""
    other = (PROTO_SAMPLES / "feed.list_overdue.v1.json").read_bytes()
    producer = make_producer(harness.infra.bootstrap_servers)
    await producer.start()
    try:
        for value in (encode(_envelope("k", 1)), other, encode(_envelope("k", 2))):
            await producer.send_and_wait(harness.topic.name, value, key=b"k")
        wanted = frozenset({WarningReceivedV1.EVENT_TYPE})
        async with running(harness.consumer(producer, batch=batch, event_types=wanted)):
            rows = await harness.wait_for(2)
            await asyncio.sleep(0.5)
        assert rows == [("k", 1), ("k", 2)] and harness.calls == 2
        async with harness.sessions() as session:
            inbox_rows = (await session.execute(select(harness.inbox))).all()
        assert len(inbox_rows) == 2
        harness.calls = 0
        async with running(harness.consumer(producer, event_types=wanted)):
            await asyncio.sleep(3)
        assert harness.calls == 0  # nothing left to read, the passed-over event included
    finally:
        await producer.stop()


async def test_a_message_that_keeps_failing_goes_to_the_dead_letter_topic(
    harness: Harness,
) -> None:
    harness.fail_on = {2}
    producer = make_producer(harness.infra.bootstrap_servers)
    await producer.start()
    dlq = AIOKafkaConsumer(
        DEAD_LETTERS.name,
        bootstrap_servers=harness.infra.bootstrap_servers,
        group_id=f"dlq-reader-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await dlq.start()
    try:
        for n in (1, 2, 3):
            await producer.send_and_wait(
                harness.topic.name, encode(_envelope("household-y", n)), key=b"household-y"
            )
        await producer.send_and_wait(harness.topic.name, b"not json", key=b"household-y")
        async with running(harness.consumer(producer)):
            rows = await harness.wait_for(2)
        assert rows == [("household-y", 1), ("household-y", 3)]

        dead: dict[str, dict[str, str]] = {}
        async with asyncio.timeout(20):
            while len(dead) < 2:
                batch = await dlq.getmany(timeout_ms=500)
                for records in batch.values():
                    for record in records:
                        headers = {k: v.decode() for k, v in record.headers}
                        if headers.get("x-original-topic") == harness.topic.name:
                            dead[headers["x-error"][:30]] = headers
        errors = list(dead)
        assert any("cannot handle 2" in e for e in errors)
        assert any(e.startswith("undecodable") for e in errors)
        assert all(h["x-consumer"] == "it-group" for h in dead.values())
    finally:
        await dlq.stop()
        await producer.stop()


async def test_two_instances_in_one_group_share_the_work_exactly_once(harness: Harness) -> None:
    producer = make_producer(harness.infra.bootstrap_servers)
    await producer.start()
    try:
        first, second = harness.consumer(producer), harness.consumer(producer)
        async with running(first), running(second):
            async with asyncio.timeout(30):
                while len(first._consumer.assignment()) + len(second._consumer.assignment()) < 3:
                    await asyncio.sleep(0.1)
            assert first._consumer.assignment() and second._consumer.assignment()
            for n in range(60):
                key = f"household-{n % 6}"
                await producer.send(harness.topic.name, encode(_envelope(key, n)), key=key.encode())
            await producer.flush()
            rows = await harness.wait_for(60)
        assert sorted(n for _s, n in rows) == list(range(60))
    finally:
        await producer.stop()


async def test_old_outbox_and_inbox_rows_are_purged(harness: Harness) -> None:
    async with harness.sessions() as session, session.begin():
        await Outbox(harness.outbox, session).add(harness.topic.name, _envelope("h", 1))
        await session.execute(
            harness.outbox.update().values(published_at=datetime(2026, 1, 1, tzinfo=UTC))
        )
        await Outbox(harness.outbox, session).add(harness.topic.name, _envelope("h", 2))
    sent, seen = await purge_processed(
        sessions=harness.sessions,
        outbox=harness.outbox,
        inbox=harness.inbox,
        older_than=datetime(2026, 2, 1, tzinfo=UTC),
    )
    assert (sent, seen) == (1, 0)
    async with harness.sessions() as session:
        left = (await session.execute(select(harness.outbox.c.published_at))).all()
    assert left == [(None,)]  # the unpublished row is never purged


async def test_batch_mode_keeps_order_and_isolates_a_failing_record(harness: Harness) -> None:
    harness.fail_on = {4}
    producer = make_producer(harness.infra.bootstrap_servers)
    await producer.start()
    try:
        envelopes = [_envelope("household-b", n) for n in range(10)]
        for envelope in [*envelopes, envelopes[3]]:  # 3 delivered twice: the repeat is a no-op
            await producer.send(harness.topic.name, encode(envelope), key=b"household-b")
        await producer.flush()
        async with running(harness.consumer(producer, "it-batch", batch=True)):
            rows = await harness.wait_for(9)
            await asyncio.sleep(1)
        assert [n for _s, n in rows] == [0, 1, 2, 3, 5, 6, 7, 8, 9]
    finally:
        await producer.stop()


async def test_concurrent_batch_transactions_keep_each_partitions_order_exactly_once(
    harness: Harness,
) -> None:
    """A poll over three partitions in two transactions at once: every record lands once,
    each partition's in order; a failing record sends its own transaction's partitions one
    by one, and only it is left out (dead-lettered)."""
    harness.fail_on = {40}
    producer = make_producer(harness.infra.bootstrap_servers)
    await producer.start()
    try:
        await send_over_three_partitions(harness, producer, 90)
        async with running(harness.consumer(producer, "it-concurrent", concurrency=2)):
            rows = await harness.wait_for(89)
            await asyncio.sleep(1)  # anything extra would arrive now
        rows = await harness.seen_rows()
        assert harness.most_in_flight >= 2
        assert harness.with_bytes >= 2 and harness.without_bytes == 0
        assert sorted(n for _s, n in rows) == [n for n in range(90) if n != 40]
        assert_each_partition_in_order(rows)
    finally:
        await producer.stop()


async def test_a_pipelined_loop_ended_by_an_error_reads_again_what_it_had_not_finished(
    harness: Harness,
) -> None:
    """Concurrent batch transactions, and one record's dead letter refused once by Kafka:
    the loop ends, rolling back what was still running; restarted, it reads again every
    record not committed, and each lands once."""
    harness.fail_on = {4}
    producer = make_producer(harness.infra.bootstrap_servers)
    await producer.start()
    try:
        await send_over_three_partitions(harness, producer, 60)
        consumer = harness.consumer(producer, "it-pipelined-restart", concurrency=2)
        refusals = refuse_dead_letter_once(producer)
        await consumer.start()
        try:
            with pytest.raises(KafkaError):
                await asyncio.wait_for(consumer.run(), timeout=30)
            await run_again_until(consumer, harness, 59)  # what the supervisor does
        finally:
            await consumer.stop()
        rows = await harness.seen_rows()
        assert sorted(n for _s, n in rows) == [n for n in range(60) if n != 4]
        assert_each_partition_in_order(rows)
        assert not refusals
    finally:
        await producer.stop()


async def test_a_loop_ended_by_an_error_reads_again_what_it_had_fetched(
    harness: Harness,
) -> None:
    """A record keeps failing and Kafka refuses it on the dead-letter topic: the loop ends with
    the rest of its poll fetched but not processed. Restarted (as the service's supervisor
    does), it reads them again; the ones already done are no-ops, none is skipped."""
    harness.fail_on = {3}
    producer = make_producer(harness.infra.bootstrap_servers)
    await producer.start()
    try:
        for n in range(10):
            await producer.send(
                harness.topic.name, encode(_envelope("household-c", n)), key=b"household-c"
            )
        await producer.flush()
        consumer = harness.consumer(producer, "it-restart")
        refusals = refuse_dead_letter_once(producer)
        await consumer.start()
        try:
            with pytest.raises(KafkaError):
                await asyncio.wait_for(consumer.run(), timeout=30)
            assert [n for _s, n in await harness.seen_rows()] == [0, 1, 2]  # 4–9 not yet
            await run_again_until(consumer, harness, 9)  # what the supervisor does
        finally:
            await consumer.stop()
        assert [n for _s, n in await harness.seen_rows()] == [0, 1, 2, 4, 5, 6, 7, 8, 9]
        assert not refusals  # the dead letter was sent on the second try
    finally:
        await producer.stop()


async def test_the_relay_reads_its_batches_through_the_index_after_idling_on_an_empty_outbox(
    harness: Harness,
) -> None:
    """A relay that has polled an empty, vacuumed outbox (its usual state) must not go on with
    the plan made for it: reading the whole heap and sorting all pending rows for every batch
    is what a monthly list's backlog then costs, batch after batch."""
    producer = make_producer(harness.infra.bootstrap_servers)
    await producer.start()
    try:
        relay = harness.relay(producer, batch_size=200, keep_published=False)
        async with harness.engine.connect() as connection:
            await connection.execute(text("COMMIT"))  # VACUUM runs outside a transaction
            await connection.execute(text(f'VACUUM ANALYZE "{harness.schema}".outbox'))
        for _ in range(10):  # idle polls: past the point where a generic plan may be kept
            assert await relay.publish_pending() == 0
        before = await _settled_outbox_stats(harness)
        async with harness.sessions() as session, session.begin():
            await Outbox(harness.outbox, session).add_many(
                harness.topic.name, [_envelope(f"household-{n % 3}", n) for n in range(3000)]
            )
        published = 0
        while (batch := await relay.publish_pending()) > 0:
            published += batch
        assert published == 3000
        after = await _outbox_stats(harness, deleted=before["deleted"] + 3000)
        assert after["seq_scans"] == before["seq_scans"], (before, after)
        assert after["index_scans"] > before["index_scans"]
    finally:
        await producer.stop()


async def _settled_outbox_stats(harness: Harness) -> dict[str, int]:
    """The outbox's counts once every backend has sent what it did so far (a backend sends its
    counts when it goes idle, within about a second): two readings a second and a half apart
    that agree."""
    last = await _outbox_stats(harness)
    for _ in range(20):
        await asyncio.sleep(1.5)
        now = await _outbox_stats(harness)
        if now == last:
            return now
        last = now
    raise AssertionError("the outbox's statistics kept changing with nothing running")


async def _outbox_stats(harness: Harness, deleted: int = 0) -> dict[str, int]:
    """The outbox's scan counts, once PostgreSQL's statistics show `deleted` rows deleted (a
    backend sends its counts when it goes idle, within about a second)."""
    query = text(
        "SELECT coalesce(seq_scan, 0), coalesce(idx_scan, 0), n_tup_del"
        " FROM pg_stat_user_tables WHERE schemaname = :schema AND relname = 'outbox'"
    )
    for _ in range(100):
        async with harness.engine.connect() as connection:
            row = (await connection.execute(query, {"schema": harness.schema})).one()
        if row[2] >= deleted:
            return {"seq_scans": row[0], "index_scans": row[1], "deleted": row[2]}
        await asyncio.sleep(0.1)
    raise AssertionError(f"the statistics never showed {deleted} deleted outbox rows")


@pytest.mark.parametrize("concurrency", [None, 2], ids=["savepoints", "batch-handler"])
async def test_events_left_for_after_the_commit_go_out_once_for_what_committed(
    harness: Harness, concurrency: int | None
) -> None:
    """`Outbox.publish_after_commit`: the consumer publishes the events itself once the
    transaction has committed. A record that fails takes its events back with it (its
    savepoint, or the whole batch, rolls back), so only what committed is published, once."""
    echo = Topic(name=f"{harness.topic.name}.echo", description="", key="", events=(), partitions=3)
    await create_topics(harness.infra.bootstrap_servers, (echo,))
    harness.echo = echo.name
    harness.fail_on = {4}  # dead-lettered after its attempts
    producer = make_producer(harness.infra.bootstrap_servers)
    await producer.start()
    reader = AIOKafkaConsumer(
        echo.name,
        bootstrap_servers=harness.infra.bootstrap_servers,
        group_id=f"echo-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await reader.start()
    try:
        consumer = harness.consumer(producer, batch=True, concurrency=concurrency)
        await send_over_three_partitions(harness, producer, 9)
        echoed: list[int] = []
        async with running(consumer):
            await harness.wait_for(8)
            async with asyncio.timeout(30):
                while len(echoed) < 8:
                    for records in (await reader.getmany(timeout_ms=500)).values():
                        echoed += [_n(record.value) for record in records]
            await asyncio.sleep(1)  # anything extra would come now
            for records in (await reader.getmany(timeout_ms=500)).values():
                echoed += [_n(record.value) for record in records]
        assert sorted(echoed) == [0, 1, 2, 3, 5, 6, 7, 8]
    finally:
        await reader.stop()
        await producer.stop()


def _n(value: bytes) -> int:
    return int(decode(value).parsed().model_dump()["details"]["n"])

"""Transactional outbox and idempotent inbox over Kafka.

State and the events it causes are written in one database transaction (outbox); a relay
publishes them with an idempotent, acks=all producer. Consumers record each message id in an
inbox table in the same transaction as their work, and commit Kafka offsets only afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import CommitFailedError
from murmurhash2 import murmurhash2
from shouwang_proto import Envelope, decode, encode
from shouwang_proto.topics import DEAD_LETTERS
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shouwang_kit.db import driver_connection
from shouwang_kit.logs import get_logger
from shouwang_kit.settings import ServiceSettings

log = get_logger(__name__)

# The seed of the Java client's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), which
# every Kafka client uses to put a keyed message on its partition.
KAFKA_SEED = 0x9747B28C

Handler = Callable[[AsyncSession, Envelope, "Outbox"], Awaitable[None]]
# Handles many new messages (inbox-deduplicated, in order) in one transaction, set-based.
BatchHandler = Callable[[AsyncSession, list[Envelope], "Outbox"], Awaitable[None]]


class Polled(list[Envelope]):
    """What a batch handler is given by `InboxConsumer`: the poll's envelopes, in order, with
    the bytes each came in (`values[i]` for `self[i]`), for handlers that pass a payload on
    as it came (`shouwang_proto.envelope.payload_json`). A plain list also works as the
    handler's argument (tests, one message alone): it has no values."""

    def __init__(self, envelopes: list[Envelope], values: list[bytes]) -> None:
        super().__init__(envelopes)
        if len(values) != len(envelopes):
            raise ValueError("one value for each envelope")
        self.values = values


def single(handler: BatchHandler) -> Handler:
    """A batch handler used for one message (the fallback when a batch fails)."""

    async def handle(session: AsyncSession, envelope: Envelope, outbox: Outbox) -> None:
        await handler(session, [envelope], outbox)

    return handle


def messaging_tables(metadata: MetaData) -> tuple[Table, Table]:
    """The outbox and inbox tables, created in the metadata's schema."""
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", BigInteger, Identity(), primary_key=True),
        # Not unique-indexed: ids are fresh UUIDs and consumers deduplicate on them anyway;
        # one index less on the hottest insert path.
        Column("message_id", UUID(as_uuid=True), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("value", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Index("ix_outbox_pending", "seq", postgresql_where=text("published_at IS NULL")),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("message_id", UUID(as_uuid=True), primary_key=True),
        Column("topic", String(200), nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    return outbox, inbox


class Outbox:
    """Writes outgoing events into the outbox table inside the caller's transaction."""

    def __init__(self, table: Table, session: AsyncSession) -> None:
        self._table = table
        self._session = session
        # (topic, key, value) the consumer publishes itself once the transaction commits.
        self.after_commit: list[tuple[str, bytes, bytes]] = []

    async def add(self, topic: str, envelope: Envelope) -> None:
        """Queue one event for publication once the surrounding transaction commits."""
        await self._session.execute(
            insert(self._table).values(
                message_id=envelope.id, topic=topic, key=envelope.subject, value=encode(envelope)
            )
        )

    async def add_encoded(self, topic: str, rows: list[tuple[Any, str, bytes]]) -> None:
        """Queue already-encoded events: (message id, key, value) each (see encode_event)."""
        if rows:
            # COPY: the cheapest way in for many rows (seq and created_at take their defaults).
            raw = await driver_connection(self._session)
            await raw.copy_records_to_table(
                self._table.name,
                schema_name=self._table.schema or "public",
                columns=["message_id", "topic", "key", "value"],
                records=[(m, topic, k, v) for m, k, v in rows],
            )

    def publish_after_commit(self, topic: str, rows: Sequence[tuple[str, bytes]]) -> None:
        """Events (key, value each) for the consumer to publish itself once this transaction
        has committed, and before it commits its offsets: no outbox row, no relay.

        Only for a handler that publishes the same events again, under the same message ids,
        when a message it has already handled comes again (its own rows tell it so): a crash
        between the database's commit and Kafka's acknowledgement is then mended by the
        redelivery, and consumers downstream take the second copy as the repeat it is. Kafka
        away: the poll fails after its commit and is read again (see `InboxConsumer.run`)."""
        self.after_commit.extend((topic, key.encode(), value) for key, value in rows)

    async def add_many(self, topic: str, envelopes: list[Envelope]) -> None:
        """Queue several events in one statement (bulk work such as registry imports)."""
        if envelopes:
            await self._session.execute(
                insert(self._table),
                [
                    {"message_id": e.id, "topic": topic, "key": e.subject, "value": encode(e)}
                    for e in envelopes
                ],
            )


def make_producer(bootstrap_servers: str) -> AIOKafkaProducer:
    """An idempotent producer that waits for all in-sync replicas."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        # Up to 512 KiB per partition and request (16 KiB by default): a relay batch of
        # thousands of events goes in a few produce requests, not hundreds.
        max_batch_size=512 * 1024,
        request_timeout_ms=15000,
    )


async def send_in_batches(
    producer: AIOKafkaProducer, messages: Sequence[tuple[str, bytes, bytes]]
) -> None:
    """Send (topic, key, value) messages and wait until Kafka has them all, in order per key.

    The same partitions as `producer.send` (the Java client's murmur2 of the key, here from
    `murmurhash2`'s compiled code: aiokafka's own is Python, 6 µs a key, a third of the
    relay's CPU per message), but through aiokafka's batch interface: one `send_batch` per
    partition and batch, where `send` awaits metadata, sorts the partition list and makes a
    future for every message (in the relay's profile that was a third of the time not spent
    hashing keys).
    """
    builders: dict[tuple[str, int], Any] = {}
    futures: list[asyncio.Future[Any]] = []
    partitions: dict[str, list[int]] = {}
    for topic, key, value in messages:
        if topic not in partitions:
            partitions[topic] = sorted(await producer.partitions_for(topic))
        choices = partitions[topic]
        tp = (topic, choices[(murmurhash2(key, KAFKA_SEED) & 0x7FFFFFFF) % len(choices)])
        builder = builders.get(tp)
        if builder is None:
            builder = builders[tp] = producer.create_batch()
        if builder.append(key=key, value=value, timestamp=None) is None:
            # Full: send it (batches of one partition leave in the order they were sent).
            futures.append(await producer.send_batch(builder, tp[0], partition=tp[1]))
            builder = builders[tp] = producer.create_batch()
            if builder.append(key=key, value=value, timestamp=None) is None:
                raise ValueError(f"a message of {len(value)} bytes exceeds the batch size")
    for (topic, partition), builder in builders.items():
        futures.append(await producer.send_batch(builder, topic, partition=partition))
    await asyncio.gather(*futures)


# The relay's lock, and its plans for this transaction: an index scan in `seq` order, which
# stops at the batch's last row. An outbox is empty most of the time, and a plan made for an
# empty table (the relay's statements are prepared, and from the sixth run PostgreSQL may keep
# a generic plan) reads the whole heap and sorts every pending row for each batch: in the
# matching consumer bench the relay scanned the outbox 242 times in ten seconds of a round,
# each time over a heap grown with the backlog since the last vacuum.
_RELAY_LOCK_SQL = (
    "SELECT pg_try_advisory_xact_lock(:k), set_config('enable_seqscan', 'off', true),"
    " set_config('enable_bitmapscan', 'off', true)"
)


class OutboxRelay:
    """Publishes committed outbox rows in order; one relay per schema at a time (advisory lock)."""

    def __init__(
        self,
        *,
        table: Table,
        sessions: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        poll_interval_s: float = 0.05,
        batch_size: int = 200,
        keep_published: bool = True,
        sweep_interval_s: float = 1.0,
    ) -> None:
        self._table = table
        self._sessions = sessions
        self._producer = producer
        self._poll = poll_interval_s
        self._batch = batch_size
        schema = table.schema or "public"
        self._lock_key = zlib.crc32(f"outbox:{schema}".encode())
        name = f'"{schema}"."{table.name}"'
        # From just above the last published seq: the pending index keeps an entry for every
        # row published since the last vacuum, and a scan from the start walks them all (in a
        # monthly list that was the gateway's costliest statement, 33 µs a row). A row whose
        # transaction took its seq earlier but committed later (a straggler, below the floor)
        # is found by a sweep from the start: when the floor finds nothing, and once a second.
        self._select_sql = (
            f"SELECT seq, topic, key, value FROM {name} WHERE published_at IS NULL AND seq > $2 "
            "ORDER BY seq LIMIT $1"
        )
        self._floor = 0
        self._sweep_every = sweep_interval_s
        self._swept_at = time.monotonic()
        # Published rows are kept (marked, purged after Kafka's retention) or deleted at once.
        # Deleting is the cheaper write: marking is not a HOT update (the pending index's
        # predicate names published_at), so each mark writes a new row version and index entry.
        self._mark_sql = (
            f"UPDATE {name} SET published_at = now() WHERE seq = ANY($1::bigint[])"
            if keep_published
            else f"DELETE FROM {name} WHERE seq = ANY($1::bigint[])"
        )
        self._wake = asyncio.Event()

    @classmethod
    def for_service(
        cls,
        settings: ServiceSettings,
        *,
        table: Table,
        sessions: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
    ) -> OutboxRelay:
        """The relay a service's settings describe (inline in the service, or `relay`)."""
        return cls(
            table=table,
            sessions=sessions,
            producer=producer,
            poll_interval_s=settings.outbox_poll_interval_s,
            batch_size=settings.outbox_batch_size,
            keep_published=settings.outbox_keep_published,
        )

    def wake(self) -> None:
        """Ask the relay to look at the outbox now rather than at its next poll."""
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows; returns how many were published."""
        async with self._sessions() as session, session.begin():
            locked = await session.scalar(text(_RELAY_LOCK_SQL), {"k": self._lock_key})
            if not locked:
                return 0
            # Straight to the driver: this runs once per batch under load, and SQLAlchemy's
            # statement building showed up in the relay's profile.
            raw = await driver_connection(session)
            now = time.monotonic()
            floor = self._floor
            if now - self._swept_at >= self._sweep_every:
                floor = 0
            rows = await raw.fetch(self._select_sql, self._batch, floor)
            if not rows and floor:
                floor = 0
                rows = await raw.fetch(self._select_sql, self._batch, 0)
            if floor == 0:
                # A full batch from the start may have more stragglers behind it: sweep again.
                self._swept_at = 0.0 if len(rows) == self._batch else now
            if not rows:
                return 0
            await send_in_batches(
                self._producer, [(row["topic"], row["key"].encode(), row["value"]) for row in rows]
            )
            await raw.execute(self._mark_sql, [row["seq"] for row in rows])
        self._floor = max(self._floor, rows[-1]["seq"])
        return len(rows)

    async def run(self) -> None:
        """Relay until cancelled; Kafka outages are retried, nothing is skipped."""
        while True:
            try:
                published = await self.publish_pending()
            except Exception as exc:
                # Kafka or the database is away (or the schema not migrated yet): nothing is
                # marked published, so nothing is skipped; try again shortly.
                log.warning(
                    "outbox.publish_failed", error=type(exc).__name__, detail=str(exc)[:300]
                )
                await asyncio.sleep(1.0)
                continue
            if published:
                log.debug("outbox.published", count=published)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)


async def purge_processed(
    *,
    sessions: async_sessionmaker[AsyncSession],
    outbox: Table,
    inbox: Table,
    older_than: datetime,
) -> tuple[int, int]:
    """Delete published outbox rows and inbox ids older than Kafka's retention (7 days)."""
    async with sessions() as session, session.begin():
        sent = await session.execute(delete(outbox).where(outbox.c.published_at < older_than))
        seen = await session.execute(delete(inbox).where(inbox.c.processed_at < older_than))
    return sent.rowcount or 0, seen.rowcount or 0  # type: ignore[attr-defined]


def partition_groups(
    batches: dict[TopicPartition, list[Any]], count: int
) -> list[dict[TopicPartition, list[Any]]]:
    """A poll's partitions shared out into at most `count` groups of about as many records
    (largest first onto the lightest group); no group is empty, each partition is in one."""
    groups: list[dict[TopicPartition, list[Any]]] = [{} for _ in range(min(count, len(batches)))]
    sizes = [0] * len(groups)
    for tp, records in sorted(batches.items(), key=lambda item: -len(item[1])):
        lightest = sizes.index(min(sizes))
        groups[lightest][tp] = records
        sizes[lightest] += len(records)
    return [group for group in groups if group]


class InboxConsumer:
    """Consumes topics in a consumer group; each message is processed exactly once in the DB.

    For every record: open a transaction, insert (consumer, message id) into the inbox (a
    repeat is a no-op), call the handler with an Outbox bound to the same session, commit.
    Offsets are committed to Kafka only after that, once per partition and poll. A message
    that still fails after `max_attempts` goes to the dead-letter topic with the error, then
    the offset moves on.

    `handler_deduplicates`: the handler itself makes a repeated message a no-op, on a unique
    key of its own rows (matching's decision per warning id, casework's signal per warning
    id), so no inbox row is written — one insert less per message on the hot path. Repeats
    of one message id inside a poll are still handed over once.
    """

    def __init__(
        self,
        *,
        name: str,
        topics: Sequence[str],
        handler: Handler,
        bootstrap_servers: str,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Table,
        outbox: Table,
        producer: AIOKafkaProducer,
        max_attempts: int = 3,
        on_commit: Callable[[], None] | None = None,
        batch: bool = False,
        batch_handler: BatchHandler | None = None,
        max_records: int | None = None,
        max_partition_fetch_bytes: int = 1048576,
        batch_concurrency: int = 1,
        handler_deduplicates: bool = False,
        event_types: Collection[str] | None = None,
    ) -> None:
        self.name = name
        self._handler_deduplicates = handler_deduplicates
        # Only these event types reach the handler; the others on its topics are passed over
        # before any transaction (no inbox row). None: every event.
        self._event_types = frozenset(event_types) if event_types is not None else None
        self._concurrency = max(1, batch_concurrency)
        self._batch = batch
        self._batch_handler = batch_handler
        self._topics = list(topics)
        self._handler = handler
        self._sessions = sessions
        self._inbox = inbox
        self._outbox = outbox
        self._producer = producer
        self._max_attempts = max_attempts
        self._on_commit = on_commit
        self._max_records = max_records
        # Per partition, the first offset fetched and not yet done with.
        self._resume: dict[TopicPartition, int] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._owners: dict[TopicPartition, asyncio.Task[None]] = {}
        self._inbox_sql = (
            f'INSERT INTO "{inbox.schema or "public"}"."{inbox.name}"'
            ' (consumer, message_id, topic, partition, "offset")'
            " SELECT $1, m, t, p, o"
            " FROM unnest($2::uuid[], $3::text[], $4::int[], $5::bigint[]) AS u(m, t, p, o)"
            " ON CONFLICT DO NOTHING RETURNING message_id"
        )
        self._consumer = AIOKafkaConsumer(
            *self._topics,
            bootstrap_servers=bootstrap_servers,
            group_id=name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_partition_fetch_bytes=max_partition_fetch_bytes,
        )

    async def start(self) -> None:
        """Join the group."""
        await self._consumer.start()

    async def stop(self) -> None:
        """Leave the group (offsets of finished work are already committed)."""
        await self._consumer.stop()

    async def run(self) -> None:
        """Poll, process and commit until cancelled.

        If the loop ends on an error (Kafka away while committing offsets or dead-lettering),
        the consumer is first moved back to the first record it had fetched and not finished
        with, so that the loop, restarted, reads them again (the inbox makes repeats no-ops)
        instead of going on after them until a rebalance or a restart.

        With a batch handler and `batch_concurrency` N > 1, each poll is shared out by
        partition into N transactions run as tasks, and the next poll is taken as soon as
        fewer than N are still running (so up to 2N - 1 at once): the service works on some
        while others wait on the database. A partition's transactions run one after another,
        in offset order, and each commits its offsets after its database commit.
        """
        pipelined = self._batch_handler is not None and self._concurrency > 1
        try:
            while True:
                self._reap()
                while len(self._in_flight) >= self._concurrency:
                    await self._finish_one()
                batches = await self._consumer.getmany(
                    timeout_ms=500,
                    max_records=self._max_records or (2000 if self._batch_handler else 200),
                )
                for tp, records in batches.items():
                    self._resume.setdefault(tp, records[0].offset)
                if pipelined and batches:
                    self._start_groups(batches)
                else:
                    await self._apply_poll(batches)
        except asyncio.CancelledError:
            await self._drop_in_flight()
            raise
        except Exception:
            await self._drop_in_flight()
            assigned = self._consumer.assignment()
            for tp, offset in self._resume.items():
                if tp in assigned:
                    self._consumer.seek(tp, offset)
            raise

    def _start_groups(self, batches: dict[TopicPartition, list[Any]]) -> None:
        """The poll's partitions shared out into `batch_concurrency` transactions, started at
        once; each first waits for the earlier ones holding any of its partitions (their
        records come first), and commits its partitions' offsets when done."""
        for group in partition_groups(batches, self._concurrency):
            before = {
                task
                for tp in group
                if (task := self._owners.get(tp)) is not None and not task.done()
            }
            task = asyncio.create_task(self._run_group(group, before))
            for tp in group:
                self._owners[tp] = task
            self._in_flight.add(task)

    async def _run_group(
        self, group: dict[TopicPartition, list[Any]], before: set[asyncio.Task[None]]
    ) -> None:
        if before:
            await asyncio.gather(*before)
        await self._apply_poll(group)  # the group as a poll of its own

    def _reap(self) -> None:
        """Forget finished transactions; the first that failed ends the loop (run())."""
        for task in [task for task in self._in_flight if task.done()]:
            self._in_flight.discard(task)
            task.result()

    async def _finish_one(self) -> None:
        await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
        self._reap()

    async def _drop_in_flight(self) -> None:
        """Roll back what is still running (its records are read again, see run())."""
        for task in self._in_flight:
            task.cancel()
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        self._in_flight.clear()
        self._owners.clear()

    async def _apply_poll(self, batches: dict[TopicPartition, list[Any]]) -> None:
        # With a batch handler, the whole poll goes in one transaction (each partition's
        # records stay in order).
        if (
            self._batch_handler is not None
            and len(batches) > 1
            and await self._handled_as_batch(
                [(tp, record) for tp, records in batches.items() for record in records]
            )
        ):
            # One offset commit (one round trip) for every partition of the poll.
            await self._commit_many({tp: records[-1].offset + 1 for tp, records in batches.items()})
            return
        for tp, records in batches.items():
            await self._process_partition(tp, records)
            # Every record up to here is committed in the database (or dead-lettered), so one
            # offset commit per partition and poll covers them; a crash before it only means
            # redelivery, which the inbox turns into no-ops.
            await self._commit(tp, records[-1].offset + 1)

    async def _process_partition(self, tp: TopicPartition, records: list[Any]) -> None:
        """Records in order; in batch mode, as many as possible per database transaction."""
        if self._batch_handler is not None and await self._handled_as_batch(
            [(tp, record) for record in records]
        ):
            return
        index = 0
        while index < len(records):
            if self._batch:
                index = await self._batch_from(tp, records, index)
                if index == len(records):
                    return
            # One record alone (batch mode: the one that failed in a batch), with retries.
            await self._process(tp, records[index])
            index += 1

    async def _handled_as_batch(self, records: list[tuple[TopicPartition, Any]]) -> bool:
        """The whole poll through the batch handler in one transaction; False to go one by one
        (an undecodable record, or a failure: the batch rolls back and nothing is lost)."""
        assert self._batch_handler is not None
        try:
            envelopes = [(tp, record, decode(record.value)) for tp, record in records]
        except ValueError:
            return False
        if self._event_types is not None:  # (the warnings' hot path has no filter)
            envelopes = [e for e in envelopes if not self._passed_over(e[2])]
            if not envelopes:
                return True
        try:
            async with self._sessions() as session, session.begin():
                outbox = Outbox(self._outbox, session)
                # Ids as integers: hashing a UUID is Python code, an integer's is not.
                fresh = (
                    {envelope.id.int for _tp, _record, envelope in envelopes}
                    if self._handler_deduplicates
                    else await self._inbox_fresh(session, envelopes)
                )
                todo = []
                values = []
                for _tp, record, envelope in envelopes:
                    key = envelope.id.int
                    if key in fresh:
                        fresh.discard(key)  # a repeat inside the poll runs once
                        todo.append(envelope)
                        values.append(record.value)
                if todo:
                    await self._batch_handler(session, Polled(todo, values), outbox)
        except Exception as exc:
            log.warning(
                "consumer.batch_failed",
                consumer=self.name,
                records=len(records),
                error=type(exc).__name__,
                detail=str(exc)[:300],
            )
            return False
        await self._publish_after_commit(outbox)
        if self._on_commit is not None:
            self._on_commit()
        return True

    async def _publish_after_commit(self, outbox: Outbox) -> None:
        """What the handlers left to publish once their transaction committed (Kafka away:
        the error ends the loop, and the records are read again, see run())."""
        if outbox.after_commit:
            await send_in_batches(self._producer, outbox.after_commit)
            outbox.after_commit.clear()

    async def _inbox_fresh(
        self, session: AsyncSession, envelopes: list[tuple[TopicPartition, Any, Envelope]]
    ) -> set[int]:
        """Record the poll's message ids in the inbox; the ids not seen before (as integers)."""
        # One statement over arrays (binary-encoded by the driver): no per-row parameter
        # building, whatever the poll's size.
        raw = await driver_connection(session)
        return {
            row[0].int
            for row in await raw.fetch(
                self._inbox_sql,
                self.name,
                [envelope.id for _tp, _record, envelope in envelopes],
                [tp.topic for tp, _record, _envelope in envelopes],
                [tp.partition for tp, _record, _envelope in envelopes],
                [record.offset for _tp, record, _envelope in envelopes],
            )
        }

    async def _batch_from(self, tp: TopicPartition, records: list[Any], start: int) -> int:
        """Apply records[start:] in one transaction, each in a savepoint; stop at the first
        that fails (it is rolled back alone) and return its index, or len(records).

        Order is kept: what precedes a failing record commits, the failing one is retried
        alone, and the rest follow in a new batch. One commit (one fsync) for many records is
        what makes a consumer keep up with a monthly list.
        """
        stop = len(records)
        try:
            async with self._sessions() as session, session.begin():
                outbox = Outbox(self._outbox, session)
                for index in range(start, len(records)):
                    record = records[index]
                    queued = len(outbox.after_commit)
                    try:
                        envelope = decode(record.value)
                        if self._passed_over(envelope):
                            continue
                        async with session.begin_nested():
                            await self._apply(session, outbox, tp, record, envelope)
                    except Exception as exc:
                        del outbox.after_commit[queued:]  # rolled back with its savepoint
                        log.info(
                            "consumer.batch_stopped",
                            consumer=self.name,
                            offset=record.offset,
                            error=type(exc).__name__,
                        )
                        stop = index
                        break
        except Exception as exc:  # the commit itself failed: take this poll one by one
            log.warning(
                "consumer.batch_commit_failed", consumer=self.name, error=type(exc).__name__
            )
            return start
        await self._publish_after_commit(outbox)
        if self._on_commit is not None and stop > start:
            self._on_commit()
        return stop

    async def _commit(self, tp: TopicPartition, offset: int) -> None:
        await self._commit_many({tp: offset})

    async def _commit_many(self, offsets: dict[TopicPartition, int]) -> None:
        self._resume.update(offsets)  # done with everything before, committed or not
        try:
            await self._consumer.commit(offsets)
        except CommitFailedError:
            # The partition moved to another member; it will see the record again and the
            # inbox makes that a no-op.
            log.info(
                "consumer.commit_lost_to_rebalance",
                consumer=self.name,
                topics=sorted({tp.topic for tp in offsets}),
            )

    def _passed_over(self, envelope: Envelope) -> bool:
        return self._event_types is not None and envelope.type not in self._event_types

    async def _process(self, tp: TopicPartition, record: Any) -> None:
        try:
            envelope = decode(record.value)
        except ValueError as exc:
            await self._dead_letter(record, f"undecodable: {exc}")
            return
        if self._passed_over(envelope):
            return
        for attempt in range(1, self._max_attempts + 1):
            try:
                await self._handle_once(tp, record, envelope)
                return
            except Exception as exc:
                log.warning(
                    "consumer.handler_failed",
                    consumer=self.name,
                    event_type=envelope.type,
                    message_id=str(envelope.id),
                    attempt=attempt,
                    error=type(exc).__name__,
                    detail=str(exc)[:500],
                )
                if attempt == self._max_attempts:
                    await self._dead_letter(record, f"{type(exc).__name__}: {exc}")
                    return
                await asyncio.sleep(0.2 * 2**attempt)

    async def _handle_once(self, tp: TopicPartition, record: Any, envelope: Envelope) -> None:
        async with self._sessions() as session, session.begin():
            outbox = Outbox(self._outbox, session)
            await self._apply(session, outbox, tp, record, envelope)
        await self._publish_after_commit(outbox)
        if self._on_commit is not None:
            self._on_commit()

    async def _apply(
        self,
        session: AsyncSession,
        outbox: Outbox,
        tp: TopicPartition,
        record: Any,
        envelope: Envelope,
    ) -> None:
        """Inbox row (a repeat is a no-op) and the handler, inside the caller's transaction;
        the handler alone when it deduplicates on its own keys."""
        if self._handler_deduplicates:
            await self._handler(session, envelope, outbox)
            return
        inserted = await session.execute(
            insert(self._inbox)
            .values(
                consumer=self.name,
                message_id=envelope.id,
                topic=tp.topic,
                partition=tp.partition,
                offset=record.offset,
            )
            .on_conflict_do_nothing()
            .returning(self._inbox.c.message_id)
        )
        if inserted.first() is None:
            log.info("consumer.duplicate_skipped", consumer=self.name, message_id=str(envelope.id))
            return
        await self._handler(session, envelope, outbox)

    async def _dead_letter(self, record: Any, error: str) -> None:
        headers = [
            ("x-error", error[:2000].encode()),
            ("x-consumer", self.name.encode()),
            ("x-original-topic", record.topic.encode()),
            ("x-original-partition", str(record.partition).encode()),
            ("x-original-offset", str(record.offset).encode()),
        ]
        await self._producer.send_and_wait(
            DEAD_LETTERS.name, value=record.value, key=record.key, headers=headers
        )
        log.error(
            "consumer.dead_lettered",
            consumer=self.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=error[:500],
        )


__all__ = [
    "Handler",
    "InboxConsumer",
    "Outbox",
    "OutboxRelay",
    "make_producer",
    "messaging_tables",
    "partition_groups",
    "purge_processed",
]

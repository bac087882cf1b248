"""One service process: engine, producer, outbox relay, consumers, and the FastAPI app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_kit.gc_tuning import collect_young_less_often
from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import (
    BatchHandler,
    Handler,
    InboxConsumer,
    OutboxRelay,
    make_producer,
    purge_processed,
)
from shouwang_kit.migrations import upgrade
from shouwang_kit.settings import ServiceSettings
from shouwang_kit.web import install_error_handlers

log = get_logger(__name__)

# Matches the brokers' log.retention.hours=168: a message older than that cannot be redelivered.
MESSAGE_RETENTION = timedelta(days=7)


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer group this service runs: its name, topics and handler."""

    name: str
    topics: Sequence[str]
    handler: Handler
    batch: bool = False  # many records per transaction (each in a savepoint), order kept
    batch_handler: BatchHandler | None = None  # set-based handling of a whole poll
    # The handler makes repeats no-ops on its own unique keys: no inbox row (InboxConsumer).
    handler_deduplicates: bool = False
    # Only these event types reach the handler (the others pass by without a transaction).
    event_types: frozenset[str] | None = None


Loop = Callable[[], Awaitable[None]]


class ServiceRuntime:
    """Owns the connections and background loops of one service process."""

    def __init__(
        self,
        *,
        service: str,
        settings: ServiceSettings,
        schema: str,
        migrations: Path,
        outbox: Table,
        inbox: Table,
        consumers: Sequence[ConsumerSpec] = (),
        loops: Sequence[tuple[str, Loop]] = (),
    ) -> None:
        self.service = service
        self.settings = settings
        self.schema = schema
        self.migrations = migrations
        self.engine: AsyncEngine = make_engine(
            settings.database_url, pool_size=settings.pool_size()
        )
        self.sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(self.engine)
        self._outbox_table = outbox
        self._inbox_table = inbox
        self._consumer_specs = list(consumers)
        # aiokafka clients must be created inside the running event loop: see start().
        self.producer: AIOKafkaProducer | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: list[InboxConsumer] = []
        self.loops = list(loops)
        self.on_stop: list[Callable[[], None]] = []
        self.kafka_started = False
        self._tasks: list[asyncio.Task[None]] = []

    async def migrate(self) -> None:
        """Apply this service's migrations (advisory-locked, so concurrent starts are safe)."""
        await asyncio.to_thread(upgrade, self.migrations, self.settings.database_url, self.schema)

    def wake_outbox(self) -> None:
        """Publish newly committed outbox rows now instead of at the next poll."""
        if self.relay is not None:
            self.relay.wake()

    def _make_kafka_clients(self) -> AIOKafkaProducer:
        settings = self.settings
        producer = make_producer(settings.kafka_bootstrap_servers)
        self.relay = OutboxRelay.for_service(
            settings, table=self._outbox_table, sessions=self.sessions, producer=producer
        )
        self.consumers = [
            InboxConsumer(
                name=spec.name,
                topics=spec.topics,
                handler=spec.handler,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                sessions=self.sessions,
                inbox=self._inbox_table,
                outbox=self._outbox_table,
                producer=producer,
                max_attempts=settings.consumer_max_attempts,
                on_commit=self.wake_outbox,
                batch=spec.batch,
                batch_handler=spec.batch_handler,
                max_records=settings.consumer_poll_records if spec.batch_handler else None,
                max_partition_fetch_bytes=settings.consumer_partition_fetch_bytes,
                batch_concurrency=settings.consumer_batch_concurrency,
                handler_deduplicates=spec.handler_deduplicates,
                event_types=spec.event_types,
            )
            for spec in self._consumer_specs
        ]
        return producer

    async def _connect_kafka(self) -> None:
        delay = 0.5
        while True:
            producer = self._make_kafka_clients()
            try:
                await producer.start()
                for consumer in self.consumers:
                    await consumer.start()
                break
            except Exception as exc:
                log.warning("kafka.connect_failed", error=type(exc).__name__, retry_in_s=delay)
                for consumer in self.consumers:
                    with contextlib.suppress(Exception):
                        await consumer.stop()
                with contextlib.suppress(Exception):
                    await producer.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self.producer = producer
        self.kafka_started = True
        log.info("kafka.connected", consumers=[c.name for c in self.consumers])
        assert self.relay is not None
        if self.settings.outbox_relay == "inline":
            self._tasks.append(asyncio.create_task(self._supervise("outbox-relay", self.relay.run)))
        for consumer in self.consumers:
            self._tasks.append(asyncio.create_task(self._supervise(consumer.name, consumer.run)))

    async def _supervise(self, name: str, loop: Loop) -> None:
        """Keep a background loop alive: log a crash and restart it after a pause."""
        while True:
            try:
                await loop()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("loop.crashed", loop=name)
                await asyncio.sleep(1.0)

    async def start(self) -> None:
        """Migrate, then connect to Kafka in the background (readyz says when)."""
        await self.migrate()
        collect_young_less_often(self.settings.gc_gen0_threshold)
        self._tasks.append(asyncio.create_task(self._connect_kafka()))
        self._tasks.append(asyncio.create_task(self._supervise("housekeeping", self._purge)))
        for name, loop in self.loops:
            self._tasks.append(asyncio.create_task(self._supervise(name, loop)))

    async def _purge(self) -> None:
        """Every ten minutes, forget outbox and inbox rows older than the Kafka retention."""
        while True:
            sent, seen = await purge_processed(
                sessions=self.sessions,
                outbox=self._outbox_table,
                inbox=self._inbox_table,
                older_than=datetime.now(UTC) - MESSAGE_RETENTION,
            )
            if sent or seen:
                log.info("messaging.purged", outbox_rows=sent, inbox_rows=seen)
            await asyncio.sleep(600)

    async def stop(self) -> None:
        """Cancel the loops, leave consumer groups, flush the producer, close the pool."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.kafka_started:
            for consumer in self.consumers:
                with contextlib.suppress(Exception):
                    await consumer.stop()
            if self.producer is not None:
                with contextlib.suppress(Exception):
                    await self.producer.stop()
        await self.engine.dispose()
        for hook in self.on_stop:
            hook()

    async def readiness(self) -> dict[str, bool]:
        """Whether the database and Kafka answer right now."""
        checks = {"database": False, "kafka": False}
        try:
            async with self.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=2)
            checks["database"] = True
        except Exception:
            pass
        if self.kafka_started and self.producer is not None:
            try:
                await asyncio.wait_for(self.producer.client.fetch_all_metadata(), timeout=2)
                checks["kafka"] = True
            except Exception:
                pass
        return checks


def create_app(
    runtime: ServiceRuntime, *, title: str, routers: Sequence[APIRouter] = ()
) -> FastAPI:
    """A FastAPI app whose lifespan runs the runtime, with /healthz and /readyz."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        log.info("service.started", port=runtime.settings.port)
        try:
            yield
        finally:
            await runtime.stop()
            log.info("service.stopped")

    app = FastAPI(title=title, lifespan=lifespan)
    app.state.runtime = runtime
    install_error_handlers(app)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok", "service": runtime.service}

    @app.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        """Kafka and the database are reachable."""
        checks = await runtime.readiness()
        ok = all(checks.values())
        return JSONResponse(
            status_code=200 if ok else 503,
            content={"status": "ready" if ok else "not_ready", "checks": checks},
        )

    for router in routers:
        app.include_router(router)
    return app

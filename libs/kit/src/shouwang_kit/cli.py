"""`python -m <service> serve|migrate`: the same entry point for every service."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Table

from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_kit.logs import configure_logging, get_logger
from shouwang_kit.messaging import OutboxRelay, make_producer
from shouwang_kit.migrations import upgrade
from shouwang_kit.settings import ServiceSettings

log = get_logger(__name__)


async def relay_forever(settings: ServiceSettings, outbox: Table) -> None:
    """Publish the service's outbox until SIGTERM/SIGINT (the `relay` command)."""
    engine = make_engine(settings.database_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    producer = make_producer(settings.kafka_bootstrap_servers)
    while not stop.is_set():
        try:
            await producer.start()
            break
        except Exception as exc:
            log.warning("kafka.connect_failed", error=type(exc).__name__)
            await asyncio.sleep(1)
    relay = OutboxRelay.for_service(
        settings, table=outbox, sessions=make_sessionmaker(engine), producer=producer
    )
    log.info("relay.started", table=f"{outbox.schema}.{outbox.name}")
    ready_file = os.environ.get("SHOUWANG_READY_FILE")
    if ready_file:  # the launcher waits for it
        Path(ready_file).touch()
    task = asyncio.create_task(relay.run())
    await stop.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await producer.stop()
    await engine.dispose()
    log.info("relay.stopped")


def run_service(
    *,
    service: str,
    settings: ServiceSettings,
    schema: str,
    migrations: Path,
    build_app: Callable[[], FastAPI],
    outbox: Table | None = None,
) -> None:
    """Parse the command line: serve the API (with its loops), only migrate, or only relay."""
    parser = argparse.ArgumentParser(prog=service)
    parser.add_argument(
        "command", choices=["serve", "migrate", "relay"], nargs="?", default="serve"
    )
    args = parser.parse_args()
    configure_logging(service, settings.log_level)
    if args.command == "migrate":
        upgrade(migrations, settings.database_url, schema)
        return
    if args.command == "relay":
        if outbox is None:
            raise SystemExit(f"{service} has no outbox to relay")
        asyncio.run(relay_forever(settings, outbox))
        return
    uvicorn.run(
        build_app(),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )

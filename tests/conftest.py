"""Session fixtures: a real Kafka broker and a real PostgreSQL, started by the project's launcher.

With SHOUWANG_TEST_BACKEND=containers and a Docker engine, testcontainers provides them instead.
KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL, when set, are used as they are.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from shouwang_stack.demo import DEMO_AGENCY_KEYS
from shouwang_stack.kafka import create_topics
from shouwang_stack.paths import free_port
from shouwang_stack.services import SERVICES, ServiceProcess
from shouwang_stack.stack import Stack, StackConfig


@dataclass
class Infra:
    """Where the test session's broker and database are."""

    bootstrap_servers: str
    database_url: str
    stack: Stack


@pytest.fixture(scope="session")
def containers() -> Iterator[dict[str, str]]:
    """Kafka and PostgreSQL from testcontainers, when asked for and Docker is present."""
    if os.environ.get("SHOUWANG_TEST_BACKEND") != "containers":
        yield {}
        return
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with ExitStack() as stack:
        kafka = stack.enter_context(KafkaContainer("apache/kafka:4.1.1").with_kraft())
        postgres = stack.enter_context(PostgresContainer("postgres:18", driver=None))
        yield {
            "KAFKA_BOOTSTRAP_SERVERS": kafka.get_bootstrap_server(),
            "DATABASE_URL": postgres.get_connection_url(),
        }


@pytest.fixture(scope="session")
async def infra(
    tmp_path_factory: pytest.TempPathFactory, containers: dict[str, str]
) -> AsyncIterator[Infra]:
    """Kafka (KRaft) and PostgreSQL for the whole test session, stopped at its end."""
    saved = {k: os.environ.get(k) for k in containers}
    os.environ.update(containers)
    data_dir = Path(tmp_path_factory.mktemp("stack"))
    stack = Stack(StackConfig.ephemeral(data_dir))
    try:
        await stack.start_infrastructure()
        await create_topics(stack.bootstrap_servers)
        yield Infra(stack.bootstrap_servers, stack.database_url, stack)
    finally:
        stack.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


async def private_database(infra: Infra, prefix: str) -> str:
    """A new, empty database on the session's PostgreSQL server; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(infra.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return infra.database_url.rsplit("/", 1)[0] + f"/{name}"


async def fetch_rows(url: str, sql: str) -> list[asyncpg.Record]:
    """The rows of one query, on a connection of its own."""
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(sql))
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def extra_gateway(infra: Infra, name: str, **env: str) -> AsyncIterator[str]:
    """Another gateway process (by default on the session's database and broker); yields its URL."""
    process = ServiceProcess(
        definition=next(s for s in SERVICES if s.name == "agency-gateway"),
        port=free_port(),
        log_path=infra.stack.config.data_dir / "logs" / f"{name}.log",
    )
    process.start(
        {
            **infra.stack.service_env(),
            "GATEWAY_API_KEYS_FILE": str(DEMO_AGENCY_KEYS),
            **env,
        }
    )
    try:
        await process.wait_ready()
        yield process.url
    finally:
        process.stop()

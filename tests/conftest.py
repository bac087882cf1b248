"""Session fixtures: a real Kafka broker and a real PostgreSQL, started by the project's launcher.

With SHOUWANG_TEST_BACKEND=containers and a Docker engine, testcontainers provides them instead.
KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL, when set, are used as they are.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from shouwang_stack.kafka import create_topics
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

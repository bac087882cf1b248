"""A broker outage while agencies keep sending: every accepted row reaches Kafka once it is back.

The gateway answers 2xx only once rows are committed with their outbox entries; the relay
publishes them when the broker returns. Nothing is lost and nothing is published twice.
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from shouwang_proto import decode
from shouwang_proto.topics import WARNINGS
from shouwang_stack.demo import DEMO_API_KEY
from shouwang_stack.kafka import KafkaBroker, create_topics
from shouwang_stack.paths import free_port

from bench.synthetic import HEADER, rows
from tests.conftest import Infra, extra_gateway, private_database

pytestmark = pytest.mark.e2e
KEY = {"X-Api-Key": DEMO_API_KEY}


def _list(count: int, seed: int) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows(count, seed=seed)])
    return buffer.getvalue().encode()


@pytest.fixture
async def isolated(infra: Infra) -> AsyncIterator[tuple[KafkaBroker, str]]:
    """Its own broker and database, so stopping the broker touches no other test."""
    data = infra.stack.config.data_dir / f"outage-{uuid.uuid4().hex[:6]}"
    broker = KafkaBroker(data_dir=data / "kafka", port=free_port(), controller_port=free_port())
    broker.start()
    try:
        await broker.wait_ready()
        await create_topics(broker.bootstrap_servers)
        async with extra_gateway(
            infra,
            "outage-gateway",
            KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap_servers,
            DATABASE_URL=await private_database(infra, "outage"),
        ) as url:
            yield broker, url
    finally:
        broker.stop()


async def _published(bootstrap: str, expected: int) -> list[tuple[str, str]]:
    """(message id, warning id) of everything on the warnings topic, once `expected` are there."""
    consumer = AIOKafkaConsumer(
        WARNINGS.name,
        bootstrap_servers=bootstrap,
        group_id=f"count-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: list[tuple[str, str]] = []
    try:
        async with asyncio.timeout(60):
            while len(seen) < expected:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        envelope = decode(record.value)
                        seen.append(
                            (
                                str(envelope.id),
                                envelope.parsed().model_dump(mode="json")["warning_id"],
                            )
                        )
        # Anything extra (a duplicate) would arrive now.
        for records in (await consumer.getmany(timeout_ms=2000)).values():
            for record in records:
                envelope = decode(record.value)
                seen.append(
                    (str(envelope.id), envelope.parsed().model_dump(mode="json")["warning_id"])
                )
    finally:
        await consumer.stop()
    return seen


async def test_rows_accepted_during_an_outage_are_published_once_when_kafka_returns(
    isolated: tuple[KafkaBroker, str],
) -> None:
    broker, gateway_url = isolated
    async with httpx.AsyncClient(base_url=gateway_url, timeout=60) as client:
        before = await client.post(
            "/v1/batches",
            params={"period": "2026-09"},
            content=_list(40, seed=1),
            headers={"Content-Type": "text/csv", **KEY},
        )
        assert before.status_code == 202, before.text
        accepted = before.json()["counts"]["new"]

        broker.stop()  # the broker goes away
        async with asyncio.timeout(30):
            while (await client.get("/readyz")).status_code != 503:
                await asyncio.sleep(0.5)
        during = await client.post(
            "/v1/batches",
            params={"period": "2026-10"},
            content=_list(40, seed=2),
            headers={"Content-Type": "text/csv", **KEY},
        )
        assert during.status_code == 202, during.text
        accepted += during.json()["counts"]["new"]
        single = await client.post(
            "/v1/warnings",
            json={
                "signal_type": "new_dibao",
                "occurred_on": "2026-11-01",
                "person": {"name": "李玉兰", "id_number": "532929196803150024"},
            },
            headers=KEY,
        )
        assert single.status_code == 202, single.text
        accepted += 1

        broker.start()  # same storage, same ports: it comes back
        await broker.wait_ready()
        published = await _published(broker.bootstrap_servers, accepted)
    message_ids = [m for m, _ in published]
    warning_ids = {w for _, w in published}
    assert len(warning_ids) == accepted  # nothing lost
    assert len(message_ids) == len(set(message_ids)) == accepted  # nothing published twice

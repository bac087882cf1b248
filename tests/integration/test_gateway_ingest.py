"""A list chunk is stored atomically: its warnings, outbox rows and report rows, or nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from agency_gateway.app.batches import BatchIngest, BatchRequest
from agency_gateway.bootstrap import MIGRATIONS, SCHEMA
from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_kit.migrations import upgrade
from shouwang_kit.tabular import records

from bench.synthetic import write_csv
from tests.conftest import Infra, private_database

pytestmark = pytest.mark.integration


@pytest.fixture
async def database(infra: Infra) -> AsyncIterator[str]:
    """A private database with the gateway's schema."""
    url = await private_database(infra, "ingest")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, SCHEMA)
    yield url


def _ingest(url: str) -> BatchIngest:
    engine = make_engine(url)
    return BatchIngest(
        BatchRequest("civil_affairs", "2026-10", "new_dibao", "csv", None, None, "sha"),
        batch_id=uuid.uuid4(),
        engine=engine,
        sessions=make_sessionmaker(engine),
        pseudonym_key="k",
        now=datetime.now(UTC),
        tz=ZoneInfo("Asia/Shanghai"),
        max_rows=1000,
        chunk_size=50,
    )


async def _count(url: str, table: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.{table}"))
    finally:
        await conn.close()


async def test_a_failure_inside_a_chunk_leaves_none_of_it(database: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", 120)
    ingest = _ingest(database)
    await ingest.open()
    report_row = ingest._report_row
    calls = 0

    def failing_on_the_third_chunk(row: Any) -> tuple[Any, ...]:
        nonlocal calls
        calls += 1
        values = report_row(row)
        return (values[0], values[1], None, *values[3:]) if calls == 101 else values

    ingest._report_row = failing_on_the_third_chunk  # type: ignore[method-assign]
    with pytest.raises(asyncpg.NotNullViolationError):
        await ingest.run(records(path, "csv", utf8=True, charset=None))
    # Two chunks of 50 were committed whole; the third left nothing behind.
    assert await _count(database, "batch_rows") == 100
    accepted = await _count(database, "batch_rows WHERE status = 'new'")
    assert 90 <= accepted <= 100
    assert await _count(database, "warnings") == await _count(database, "outbox") == accepted
    assert await _count(database, "list_rows") == accepted


async def test_a_clean_list_is_stored_whole(database: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", 120)
    ingest = _ingest(database)
    await ingest.open()
    counts = await ingest.run(records(path, "csv", utf8=True, charset=None))
    assert counts.received == 120
    assert await _count(database, "batch_rows") == 120
    assert await _count(database, "warnings") == await _count(database, "outbox") == counts.new
    assert await _count(database, "list_rows") == counts.new

"""Comparison requests (信息比对) of accepted cases on real PostgreSQL: sent once the registry
answers, backing off while it does not, nothing lost either way."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from casework.adapters.calendar_source import published_calendar
from casework.adapters.tables import SCHEMA, outbox
from casework.app.comparisons import MembersOf, queue_comparison, send_pending
from casework.app.intake_signal import handle_matched_warning
from casework.bootstrap import MIGRATIONS
from casework.domain.comparisons import Member
from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_kit.messaging import Outbox
from shouwang_kit.migrations import upgrade
from shouwang_proto import decode
from shouwang_proto.events import ComparisonRequestedV1
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Infra, fetch_rows, private_database
from tests.integration.test_casework_batches import RECEIVED, TZ, matched

pytestmark = pytest.mark.integration


@pytest.fixture
async def database(infra: Infra) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    url = await private_database(infra, "casework_comparisons")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, SCHEMA)
    engine = make_engine(url)
    yield url, make_sessionmaker(engine)
    await engine.dispose()


async def test_requests_wait_for_the_registry_and_are_then_sent_once(
    database: tuple[str, async_sessionmaker[AsyncSession]],
) -> None:
    url, sessions = database
    async with sessions() as session, session.begin():
        await handle_matched_warning(
            decode(matched(uuid.uuid4(), "civil_affairs")),
            session=session,
            outbox=Outbox(outbox, session),
            calendar=published_calendar(),
            tz=TZ,
            number_prefix="SW",
            now=RECEIVED,
            new_id=uuid.uuid4,
        )
    (case,) = await fetch_rows(url, f"SELECT case_id FROM {SCHEMA}.cases")
    async with sessions() as session, session.begin():
        await queue_comparison(
            session, case["case_id"], due_at=RECEIVED + timedelta(days=2), now=RECEIVED
        )

    async def unreachable(_number: str) -> list[Member]:
        raise httpx.ConnectError("intake down")

    async def registry(_number: str) -> list[Member]:
        return [Member("李玉兰", "532929196803150024"), Member("杨小明", None)]

    async def send(members_of: MembersOf, at: timedelta) -> tuple[int, int]:
        async with sessions() as session, session.begin():
            return await send_pending(
                session,
                Outbox(outbox, session),
                members_of,
                now=RECEIVED + at,
            )

    assert await send(unreachable, timedelta(0)) == (0, 1)
    (waiting,) = await fetch_rows(url, f"SELECT * FROM {SCHEMA}.comparison_pending")
    assert (waiting["attempts"], waiting["last_error"]) == (1, "intake down")
    assert await send(registry, timedelta(seconds=1)) == (0, 0)  # backing off: not yet
    assert await send(registry, timedelta(seconds=3)) == (1, 0)
    assert await send(registry, timedelta(seconds=60)) == (0, 0)  # sent: nothing left
    assert await fetch_rows(url, f"SELECT * FROM {SCHEMA}.comparison_pending") == []
    sent = [
        decode(r["value"]).parsed()
        for r in await fetch_rows(url, f"SELECT value FROM {SCHEMA}.outbox ORDER BY seq")
    ]
    requests = [p for p in sent if isinstance(p, ComparisonRequestedV1)]
    assert sorted(r.agency_code for r in requests) == [
        "finance",
        "market_regulation",
        "public_security",
    ]  # the member with an ID, once per comparing agency
    assert {r.due_at for r in requests} == {RECEIVED + timedelta(days=2)}
    trail = await fetch_rows(url, f"SELECT action, reason FROM {SCHEMA}.actions ORDER BY seq")
    assert trail[-1]["action"] == "comparison_requested" and "县公安局" in trail[-1]["reason"]

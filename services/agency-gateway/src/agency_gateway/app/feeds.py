"""Use cases: report each agency's monthly-list status; raise an event when one is overdue."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shouwang_kit.messaging import Outbox
from shouwang_proto import Envelope
from shouwang_proto.catalogue import Catalogue
from shouwang_proto.events import FeedListOverdueV1
from shouwang_proto.topics import FEEDS
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from agency_gateway.adapters.tables import batches, feed_alerts
from agency_gateway.domain.feeds import FeedState, list_state, previous_period


async def feed_states(
    session: AsyncSession, *, catalogue: Catalogue, period: str, today: date, tz: ZoneInfo
) -> list[FeedState]:
    """Every agency that owes a monthly list: its state for `period`."""
    first: dict[str, datetime] = {
        agency: received
        for agency, received in (
            await session.execute(
                select(batches.c.agency_code, func.min(batches.c.received_at))
                .where(batches.c.period == period, batches.c.status == "completed")
                .group_by(batches.c.agency_code)
            )
        ).tuples()
    }
    return [
        list_state(
            agency.code,
            period,
            agency.monthly_list.due_day,
            received_on=first[agency.code].astimezone(tz).date() if agency.code in first else None,
            today=today,
        )
        for agency in catalogue.agencies
        if agency.monthly_list is not None
    ]


async def raise_overdue(
    session: AsyncSession,
    *,
    states: list[FeedState],
    outbox: Outbox,
    now: datetime,
) -> list[FeedState]:
    """Publish feed.list_overdue once per agency and period that is missing or late."""
    raised = []
    for state in states:
        if state.status not in ("missing", "late"):
            continue
        inserted = await session.execute(
            insert(feed_alerts)
            .values(
                agency_code=state.agency_code,
                period=state.period,
                status=state.status,
                raised_at=now,
            )
            .on_conflict_do_nothing()
            .returning(feed_alerts.c.agency_code)
        )
        if inserted.first() is None:
            continue
        message_id = uuid.uuid4()
        event = FeedListOverdueV1(
            agency_code=state.agency_code,
            period=state.period,
            due_on=state.due_on,
            status=state.status,
        )
        await outbox.add(
            FEEDS.name,
            Envelope.wrap(
                event,
                id=message_id,
                time=now,
                source="agency-gateway",
                subject=state.agency_code,
                correlation_id=message_id,
            ),
        )
        raised.append(state)
    return raised


async def watch_feeds(
    *,
    sessions: Any,
    outbox_table: Any,
    catalogue: Catalogue,
    tz: ZoneInfo,
    wake: Any,
    interval_s: float = 600,
) -> None:
    """Every ten minutes: raise feed.list_overdue for lists missing or late past their due day."""
    while True:
        now = datetime.now(tz)
        async with sessions() as session, session.begin():
            states = await feed_states(
                session,
                catalogue=catalogue,
                period=previous_period(now.date()),
                today=now.date(),
                tz=tz,
            )
            raised = await raise_overdue(
                session, states=states, outbox=Outbox(outbox_table, session), now=now
            )
        if raised:
            wake()
        await asyncio.sleep(interval_s)

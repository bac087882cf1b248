"""The clock scheduler loop: several instances may run; each alert is emitted once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox
from shouwang_kit.runtime import Loop
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from casework.adapters.calendar_source import CalendarCache
from casework.adapters.tables import outbox
from casework.app.clocks import Escalation, run_clocks

log = get_logger(__name__)


def parse_escalation(text: str) -> Escalation:
    """'1:1,3:2' → Escalation(((1, 1), (3, 2)))."""
    steps = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        days, _, level = part.partition(":")
        steps.append((int(days), int(level)))
    return Escalation(tuple(sorted(steps)))


def scheduler(
    sessions: async_sessionmaker[AsyncSession],
    calendars: CalendarCache,
    *,
    tz: ZoneInfo,
    interval: float,
    due_soon: timedelta,
    escalation: Escalation,
    wake_outbox: Callable[[], None],
) -> Loop:
    """Every `interval` seconds: due-soon alerts, breaches, escalations."""

    async def run() -> None:
        while True:
            async with sessions() as session, session.begin():
                counts = await run_clocks(
                    session,
                    Outbox(outbox, session),
                    now=datetime.now(UTC),
                    calendar=await calendars.get(session),
                    tz=tz,
                    due_soon_window=due_soon,
                    escalation=escalation,
                    new_id=uuid.uuid4,
                )
            if any(counts.values()):
                wake_outbox()
                log.info("clocks.checked", **counts)
            await asyncio.sleep(interval)

    return run

"""The clock scheduler (督办): clocks coming due, run out, and escalating — each alert emitted
once, however many scheduler instances run (a row changes state in the same UPDATE that picks
it, so only one instance ever sees it change)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox
from shouwang_proto.events import ClockAlertV1
from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters.tables import cases, clocks
from casework.app.case_events import add_case_event, case_place
from casework.domain.calendar import WorkingDayCalendar
from casework.domain.clocks import due_for, working_days_late

log = get_logger(__name__)


@dataclass(frozen=True)
class Escalation:
    """After how many working days past due a breach goes up to which level (configuration):
    e.g. ((1, 1), (3, 2)) — +1 working day → township lead, +3 → county office."""

    steps: tuple[tuple[int, int], ...] = ((1, 1), (3, 2))


async def _emit(
    session: AsyncSession,
    outbox: Outbox,
    rows: Sequence[Any],
    alert: Literal["due_soon", "breached", "escalated"],
    *,
    now: datetime,
    new_id: Callable[[], UUID],
    levels: dict[UUID, int] | None = None,
    late: dict[UUID, int] | None = None,
) -> None:
    if not rows:
        return
    info = {
        r.case_id: r
        for r in (
            await session.execute(
                select(cases).where(cases.c.case_id.in_({row.case_id for row in rows}))
            )
        ).all()
    }
    for row in rows:
        case = info[row.case_id]
        payload = ClockAlertV1(
            alert=alert,
            level=(levels or {}).get(row.clock_id, 0),
            **case_place(case),
            clock_id=row.clock_id,
            clock_kind=row.kind,
            due_at=row.due_at,
            provisional=row.provisional,
            working_days_late=(late or {}).get(row.clock_id, 0),
        )
        await add_case_event(
            outbox, payload, household_id=case.household_id, now=now, message_id=new_id()
        )
        log.info(
            "clock." + alert, case_number=case.case_number, clock=row.kind, level=payload.level
        )


async def run_clocks(
    session: AsyncSession,
    outbox: Outbox,
    *,
    now: datetime,
    calendar: WorkingDayCalendar,
    tz: ZoneInfo,
    due_soon_window: timedelta,
    escalation: Escalation,
    new_id: Callable[[], UUID],
) -> dict[str, int]:
    """One pass: due-soon alerts, breaches, escalations; returns how many of each."""
    soon = (
        await session.execute(
            update(clocks)
            .where(
                clocks.c.state == "running",
                clocks.c.alerted_due_soon.is_(False),
                clocks.c.due_at > now,
                clocks.c.due_at <= now + due_soon_window,
            )
            .values(alerted_due_soon=True)
            .returning(clocks)
        )
    ).all()
    await _emit(session, outbox, soon, "due_soon", now=now, new_id=new_id)
    breached = (
        await session.execute(
            update(clocks)
            .where(clocks.c.state == "running", clocks.c.due_at <= now)
            .values(state="breached", escalation_level=0)
            .returning(clocks)
        )
    ).all()
    await _emit(session, outbox, breached, "breached", now=now, new_id=new_id)
    top = max(level for _days, level in escalation.steps)
    candidates = (
        await session.execute(
            select(clocks)
            .where(
                and_(
                    clocks.c.state == "breached",
                    clocks.c.stopped_at.is_(None),
                    clocks.c.escalation_level < top,
                )
            )
            .with_for_update(skip_locked=True)
        )
    ).all()
    raised, levels, late = [], {}, {}
    for row in candidates:
        days = working_days_late(row.due_at, now, calendar, tz)
        target = max((lvl for d, lvl in escalation.steps if days >= d), default=0)
        if target > row.escalation_level:
            await session.execute(
                update(clocks)
                .where(clocks.c.clock_id == row.clock_id)
                .values(escalation_level=target)
            )
            raised.append(row)
            levels[row.clock_id] = target
            late[row.clock_id] = days
    await _emit(
        session, outbox, raised, "escalated", now=now, new_id=new_id, levels=levels, late=late
    )
    return {"due_soon": len(soon), "breached": len(breached), "escalated": len(raised)}


async def recompute_provisional(
    session: AsyncSession, *, calendar: WorkingDayCalendar, tz: ZoneInfo
) -> int:
    """Running clocks whose due time rested on an unpublished year, computed again."""
    rows = (
        await session.execute(
            select(clocks).where(clocks.c.state == "running", clocks.c.provisional)
        )
    ).all()
    for row in rows:
        due = due_for(row.rule, row.started_at, calendar, tz)
        await session.execute(
            update(clocks)
            .where(clocks.c.clock_id == row.clock_id)
            .values(due_at=due.at, provisional=due.provisional, alerted_due_soon=False)
        )
    return len(rows)

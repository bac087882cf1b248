"""Use case: a matched warning opens a case for its household or joins the open one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_kit.db import driver_connection
from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox
from shouwang_proto import Envelope, EventPayload, encode_event
from shouwang_proto.catalogue import load_catalogue
from shouwang_proto.events import ClockV1, WarningMatchedV1
from shouwang_proto.topics import CASES
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters import bulk
from casework.adapters.tables import actions, case_number_seq, cases, clocks, signals
from casework.app.audit import append_audit, append_audit_many
from casework.domain.calendar import WorkingDayCalendar
from casework.domain.cases import (
    BEFORE_VISIT,
    CaseStatus,
    asks_same_day_visit,
    attach_signal,
    case_number,
    case_number_head,
    numbered,
    open_case,
    screening_visit_clock,
)
from casework.domain.clocks import Due, same_working_day

log = get_logger(__name__)
SYSTEM_ACTOR = "system"
# What the trail adds when a screening's warning joins an open case (seeds/000 三).
SAME_DAY_VISIT = "（干部排查发现，须于当日完成入户核查）"
VISIT_BROUGHT_FORWARD = "（干部排查发现，入户核查时限提前至当日）"


async def _record_signal(
    session: AsyncSession, matched: WarningMatchedV1, case_id: UUID, now: datetime
) -> None:
    await session.execute(
        insert(signals).values(
            warning_id=matched.warning.warning_id,
            case_id=case_id,
            agency_code=matched.warning.agency_code,
            signal_type=matched.warning.signal_type,
            occurred_on=matched.warning.occurred_on,
            attached_at=now,
        )
    )


async def _wanting_visit_clock(session: AsyncSession, case_ids: set[UUID]) -> set[UUID]:
    """Of these open cases, those a screening's warning starts the same-day visit clock on:
    not yet visited, and no visit clock running."""
    if not case_ids:
        return set()
    running = select(clocks.c.case_id).where(
        clocks.c.case_id.in_(case_ids), clocks.c.kind == "visit", clocks.c.stopped_at.is_(None)
    )
    rows = await session.execute(
        select(cases.c.case_id).where(
            cases.c.case_id.in_(case_ids),
            cases.c.status.in_(BEFORE_VISIT),
            cases.c.case_id.not_in(running),
        )
    )
    return set(rows.scalars())


async def _bring_visit_forward(session: AsyncSession, case_id: UUID, due: Due) -> bool:
    """A screening's warning on a case whose home visit is already due later (3 working days
    from the comparison): its running visit clock is to be met the same day (seeds/000 三,
    排查当天完成入户核查) — brought forward to `due`, never put back; True when it was."""
    moved = await session.execute(
        update(clocks)
        .where(
            clocks.c.case_id == case_id,
            clocks.c.kind == "visit",
            clocks.c.state == "running",
            clocks.c.stopped_at.is_(None),
            clocks.c.due_at > due.at,
        )
        .values(
            due_at=due.at,
            rule="same_working_day",
            provisional=due.provisional,
            alerted_due_soon=False,
        )
        .returning(clocks.c.clock_id)
    )
    return moved.first() is not None


def _clock_record(clock: ClockV1, case_id: UUID) -> tuple[Any, ...]:
    """A new clock's row, in `bulk.CLOCK_COLUMNS` order."""
    return (
        clock.clock_id,
        case_id,
        clock.kind,
        clock.rule,
        "running",
        clock.started_at,
        clock.due_at,
        clock.provisional,
    )


def _clock_row(clock: ClockV1, case_id: UUID) -> dict[str, Any]:
    return dict(zip(bulk.CLOCK_COLUMNS, _clock_record(clock, case_id), strict=True))


async def handle_matched_warning(
    envelope: Envelope,
    *,
    session: AsyncSession,
    outbox: Outbox,
    calendar: WorkingDayCalendar,
    tz: ZoneInfo,
    number_prefix: str,
    now: datetime,
    new_id: Callable[[], UUID],
) -> None:
    """Open a case (with its acceptance clock) or attach the signal to the open case."""
    matched = envelope.parsed()
    assert isinstance(matched, WarningMatchedV1)
    warning = matched.warning
    if await session.scalar(
        select(signals.c.case_id).where(signals.c.warning_id == warning.warning_id)
    ):
        log.info("signal.already_attached", warning_id=str(warning.warning_id))
        return
    signal_name = load_catalogue().signal_name(warning.agency_code, warning.signal_type)
    open_row = (
        await session.execute(
            select(cases.c.case_id, cases.c.case_number, cases.c.status)
            .where(cases.c.household_id == matched.household_id, cases.c.is_open)
            .with_for_update()
        )
    ).first()
    event: EventPayload
    if open_row is not None:
        event = attach_signal(
            matched,
            case_id=open_row.case_id,
            number=open_row.case_number,
            status=open_row.status,
        )
        case_id = open_row.case_id
        await _record_signal(session, matched, case_id, now)
        action, reason = "signal_attached", f"新增预警：{signal_name}"
        if asks_same_day_visit(matched):
            due = same_working_day(warning.received_at, calendar, tz)
            if case_id in await _wanting_visit_clock(session, {case_id}):
                visit = screening_visit_clock(matched, clock_id=new_id(), due=due)
                await session.execute(insert(clocks).values(**_clock_row(visit, case_id)))
                reason += SAME_DAY_VISIT
            elif await _bring_visit_forward(session, case_id, due):
                reason += VISIT_BROUGHT_FORWARD
    else:
        sequence = int(await session.scalar(case_number_seq.next_value()))
        opened = open_case(
            matched,
            case_id=new_id(),
            number=case_number(number_prefix, now, sequence, tz),
            clock_id=new_id(),
            now=now,
            calendar=calendar,
            tz=tz,
            visit_clock_id=new_id() if asks_same_day_visit(matched) else None,
        )
        event, case_id = opened, opened.case_id
        await session.execute(
            insert(cases).values(
                case_id=opened.case_id,
                case_number=opened.case_number,
                household_id=opened.household_id,
                household_number=opened.household_number,
                region_code=opened.region_code,
                village_name=opened.village_name,
                township_name=opened.township_name,
                masked_name=opened.masked_name,
                status=CaseStatus.AWAITING_ACCEPTANCE.value,
                is_open=True,
                opened_at=opened.opened_at,
            )
        )
        await _record_signal(session, matched, case_id, now)
        for clock in opened.clocks:
            await session.execute(insert(clocks).values(**_clock_row(clock, case_id)))
        action, reason = "opened", f"预警匹配到本户，立案：{signal_name}"
    await session.execute(
        insert(actions).values(
            case_id=case_id, action=action, actor=SYSTEM_ACTOR, at=now, reason=reason
        )
    )
    await append_audit(
        session,
        actor=SYSTEM_ACTOR,
        action=action,
        subject=f"case:{case_id}",
        detail={"reason": reason, "warning_id": str(warning.warning_id)},
        now=now,
    )
    await outbox.add(
        CASES.name,
        Envelope.wrap(
            event,
            id=new_id(),
            time=now,
            source="casework",
            subject=str(matched.household_id),
            correlation_id=envelope.correlation_id,
            causation_id=envelope.id,
        ),
    )
    log.info("case." + action, case_id=str(case_id), warning_id=str(warning.warning_id))


def _acceptance_due(
    dues: dict[date, Due], start: datetime, calendar: WorkingDayCalendar, tz: ZoneInfo
) -> Due:
    """The acceptance due time, worked out once per local arrival day of a batch."""
    day = start.astimezone(tz).date()
    due = dues.get(day)
    if due is None:
        due = dues[day] = same_working_day(start, calendar, tz)
    return due


async def handle_matched_batch(
    envelopes: list[Envelope],
    *,
    session: AsyncSession,
    outbox: Outbox,
    calendar: WorkingDayCalendar,
    tz: ZoneInfo,
    number_prefix: str,
    now: datetime,
    new_id: Callable[[], UUID],
) -> None:
    """The same as handle_matched_warning for a poll of warnings, with a fixed number of
    statements: open a case per household without one, attach the others, in order."""
    todo: list[tuple[Envelope, WarningMatchedV1]] = []
    for envelope in envelopes:
        if envelope.type == "warning.matched":
            payload = envelope.parsed()
            assert isinstance(payload, WarningMatchedV1)
            todo.append((envelope, payload))
    if not todo:
        return
    raw = await driver_connection(session)
    known = await bulk.known_warnings(raw, [m.warning.warning_id for _e, m in todo])
    todo = [(e, m) for e, m in todo if m.warning.warning_id not in known]
    homes = list(dict.fromkeys(m.household_id for _e, m in todo))
    open_cases = await bulk.lock_open_cases(raw, homes)
    numbers = iter(await bulk.next_case_numbers(raw, sum(h not in open_cases for h in homes)))
    catalogue = load_catalogue()
    names: dict[tuple[str, str], str] = {}
    dues: dict[date, Due] = {}
    case_rows: list[tuple[Any, ...]] = []
    clock_rows: list[tuple[Any, ...]] = []
    signal_rows: list[tuple[Any, ...]] = []
    action_rows: list[tuple[Any, ...]] = []
    audit: list[tuple[str, str, str, dict[str, Any]]] = []
    events: list[tuple[UUID, str, bytes]] = []
    seen_warnings: set[UUID] = set()
    awaiting = CaseStatus.AWAITING_ACCEPTANCE.value
    head = case_number_head(number_prefix, now, tz)
    # Open cases a screening's warning in this poll starts the same-day visit clock on (cases
    # opened in the poll by another warning join them below).
    wanting = await _wanting_visit_clock(
        session,
        {
            open_cases[m.household_id][0]
            for _e, m in todo
            if asks_same_day_visit(m) and m.household_id in open_cases
        },
    )
    for envelope, matched in todo:
        warning = matched.warning
        if warning.warning_id in seen_warnings:
            continue
        seen_warnings.add(warning.warning_id)
        kind = (warning.agency_code, warning.signal_type)
        name = names.get(kind) or names.setdefault(kind, catalogue.signal_name(*kind))
        event: EventPayload
        if matched.household_id in open_cases:
            case_id, number, status = open_cases[matched.household_id]
            event = attach_signal(matched, case_id=case_id, number=number, status=status)
            action, reason = "signal_attached", f"新增预警：{name}"
            if asks_same_day_visit(matched):
                due = _acceptance_due(dues, warning.received_at, calendar, tz)
                if case_id in wanting:
                    wanting.discard(case_id)
                    visit = screening_visit_clock(matched, clock_id=new_id(), due=due)
                    clock_rows.append(_clock_record(visit, case_id))
                    reason += SAME_DAY_VISIT
                elif await _bring_visit_forward(session, case_id, due):
                    reason += VISIT_BROUGHT_FORWARD
        else:
            number = numbered(head, next(numbers))
            opened = open_case(
                matched,
                case_id=new_id(),
                number=number,
                clock_id=new_id(),
                now=now,
                calendar=calendar,
                tz=tz,
                due=_acceptance_due(dues, warning.received_at, calendar, tz),
                visit_clock_id=new_id() if asks_same_day_visit(matched) else None,
            )
            case_id, event = opened.case_id, opened
            open_cases[matched.household_id] = (case_id, number, awaiting)
            if len(opened.clocks) == 1:  # no visit clock yet: a screening's warning may start it
                wanting.add(case_id)
            case_rows.append(
                (
                    case_id,
                    number,
                    opened.household_id,
                    opened.household_number,
                    opened.region_code,
                    opened.village_name,
                    opened.township_name,
                    opened.masked_name,
                    awaiting,
                    True,
                    opened.opened_at,
                )
            )
            clock_rows.extend(_clock_record(c, case_id) for c in opened.clocks)
            action, reason = "opened", f"预警匹配到本户，立案：{name}"
        signal_rows.append(
            (
                warning.warning_id,
                case_id,
                warning.agency_code,
                warning.signal_type,
                warning.occurred_on,
                now,
            )
        )
        action_rows.append((case_id, action, SYSTEM_ACTOR, now, reason))
        audit.append(
            (
                SYSTEM_ACTOR,
                action,
                f"case:{case_id}",
                {"reason": reason, "warning_id": str(warning.warning_id)},
            )
        )
        message_id = new_id()
        subject = str(matched.household_id)
        events.append(
            (
                message_id,
                subject,
                encode_event(
                    event,
                    id=message_id,
                    time=now,
                    source="casework",
                    subject=subject,
                    correlation_id=envelope.correlation_id,
                    causation_id=envelope.id,
                ),
            )
        )
    # Cases before the rows that reference them; a household opened meanwhile by another
    # instance fails the COPY into cases (unique open case), and the batch is retried.
    await bulk.copy_rows(raw, cases, bulk.CASE_COLUMNS, case_rows)
    await bulk.copy_rows(raw, clocks, bulk.CLOCK_COLUMNS, clock_rows)
    await bulk.copy_rows(raw, signals, bulk.SIGNAL_COLUMNS, signal_rows)
    await bulk.copy_rows(raw, actions, bulk.ACTION_COLUMNS, action_rows)
    await outbox.add_encoded(CASES.name, events)
    await append_audit_many(session, audit, now=now)  # last: it holds the trace's lock
    log.info("cases.batch", signals=len(signal_rows), opened=len(case_rows))

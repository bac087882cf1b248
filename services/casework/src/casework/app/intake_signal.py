"""Use case: a matched warning opens a case for its household or joins the open one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox
from shouwang_proto import Envelope, EventPayload
from shouwang_proto.catalogue import load_catalogue
from shouwang_proto.events import WarningMatchedV1
from shouwang_proto.topics import CASES
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters.tables import actions, case_number_seq, cases, clocks, signals
from casework.app.audit import append_audit
from casework.domain.calendar import WorkingDayCalendar
from casework.domain.cases import CaseStatus, attach_signal, case_number, open_case

log = get_logger(__name__)
SYSTEM_ACTOR = "system"


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
            select(cases.c.case_id, cases.c.case_number)
            .where(cases.c.household_id == matched.household_id, cases.c.is_open)
            .with_for_update()
        )
    ).first()
    event: EventPayload
    if open_row is not None:
        event = attach_signal(matched, case_id=open_row.case_id, number=open_row.case_number)
        case_id = open_row.case_id
        await _record_signal(session, matched, case_id, now)
        action, reason = "signal_attached", f"新增预警：{signal_name}"
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
            await session.execute(
                insert(clocks).values(
                    clock_id=clock.clock_id,
                    case_id=case_id,
                    kind=clock.kind,
                    rule=clock.rule,
                    state="running",
                    started_at=clock.started_at,
                    due_at=clock.due_at,
                    provisional=clock.provisional,
                )
            )
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

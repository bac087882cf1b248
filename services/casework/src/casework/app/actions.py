"""Officers' actions on a case; the skeleton's workflow knows acceptance (受理)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_kit.auth import Officer
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters.tables import actions, cases, clocks
from casework.app.audit import append_audit
from casework.domain.calendar import WorkingDayCalendar
from casework.domain.clocks import due_for

MAY_ACCEPT = frozenset({"village_cadre", "work_team", "township_officer", "county_office"})


class CaseActionError(Exception):
    """An action refused: HTTP status, machine code, Chinese message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


async def accept_case(
    case_id: UUID,
    *,
    officer: Officer,
    reason: str,
    session: AsyncSession,
    calendar: WorkingDayCalendar,
    tz: ZoneInfo,
    now: datetime,
    new_id: Callable[[], UUID],
) -> str:
    """受理: stop the acceptance clock (met, or met late) and start the comparison clock
    (信息比对, 2 working days). Returns the acceptance clock's final state."""
    case = (
        await session.execute(select(cases).where(cases.c.case_id == case_id).with_for_update())
    ).first()
    if case is None:
        raise CaseActionError(404, "case.not_found", "未找到该案件")
    if not officer.may_see(case.region_code):
        raise CaseActionError(403, "scope.forbidden", "该案件不在您负责的区域内")
    if officer.role not in MAY_ACCEPT:
        raise CaseActionError(403, "role.forbidden", "您的角色不能受理案件")
    if case.status != "awaiting_acceptance":
        raise CaseActionError(409, "case.transition", f"案件当前状态为“{case.status}”，不能受理")
    clock = (
        await session.execute(
            select(clocks).where(clocks.c.case_id == case_id, clocks.c.kind == "accept")
        )
    ).first()
    final = "met"
    if clock is not None:
        final = "met" if clock.state == "running" and now <= clock.due_at else "met_late"
        await session.execute(
            update(clocks)
            .where(clocks.c.clock_id == clock.clock_id)
            .values(state=final, stopped_at=now)
        )
    due = due_for("working_days:2", now, calendar, tz)
    await session.execute(
        insert(clocks).values(
            clock_id=new_id(),
            case_id=case_id,
            kind="compare",
            rule="working_days:2",
            state="running",
            started_at=now,
            due_at=due.at,
            provisional=due.provisional,
        )
    )
    await session.execute(update(cases).where(cases.c.case_id == case_id).values(status="accepted"))
    await session.execute(
        insert(actions).values(
            case_id=case_id, action="accepted", actor=officer.officer_id, at=now, reason=reason
        )
    )
    await append_audit(
        session,
        actor=officer.officer_id,
        action="accepted",
        subject=f"case:{case_id}",
        detail={"reason": reason, "role": officer.role, "accept_clock": final},
        now=now,
    )
    return final

"""Pausing, resuming and overriding a clock (county office decisions, each with a reason)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from shouwang_kit.auth import Officer
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters.tables import actions, cases, clocks
from casework.app.audit import append_audit
from casework.domain.clocks import resumed_due
from casework.domain.workflow import CaseTransitionError

Control = Literal["pause", "resume", "override"]
NAMES = {"pause": "暂停时限", "resume": "恢复时限", "override": "县级调整时限"}


async def control_clock(
    case_id: UUID,
    kind: str,
    control: Control,
    *,
    officer: Officer,
    reason: str,
    session: AsyncSession,
    now: datetime,
) -> dict[str, Any]:
    """Pause (the clock stands still), resume (due pushed back by the pause), or override
    (stopped by the county: not counted as a breach)."""
    if officer.role != "county_office":
        raise CaseTransitionError(403, "role.forbidden", "只有县乡村振兴局可以暂停、恢复或调整时限")
    if not reason.strip():
        raise CaseTransitionError(422, "reason.required", "请说明原因")
    case = (await session.execute(select(cases).where(cases.c.case_id == case_id))).first()
    if case is None or not officer.may_see(case.region_code):
        raise CaseTransitionError(404, "case.not_found", "未找到该案件")
    row = (
        await session.execute(
            select(clocks)
            .where(
                clocks.c.case_id == case_id, clocks.c.kind == kind, clocks.c.stopped_at.is_(None)
            )
            .with_for_update()
        )
    ).first()
    if row is None:
        raise CaseTransitionError(404, "clock.not_found", f"该案件没有进行中的“{kind}”时限")
    values: dict[str, Any]
    if control == "pause":
        if row.state != "running":
            raise CaseTransitionError(409, "clock.state", "只能暂停进行中的时限")
        values = {"state": "paused", "paused_at": now, "pause_reason": reason}
    elif control == "resume":
        if row.state != "paused":
            raise CaseTransitionError(409, "clock.state", "该时限未暂停")
        due = resumed_due(row.due_at, row.paused_at, now)
        values = {"state": "running", "due_at": due, "paused_at": None, "alerted_due_soon": False}
    else:
        values = {"state": "overridden", "stopped_at": now, "pause_reason": reason}
    await session.execute(update(clocks).where(clocks.c.clock_id == row.clock_id).values(**values))
    await session.execute(
        insert(actions).values(
            case_id=case_id,
            action=f"clock_{control}",
            actor=officer.officer_id,
            at=now,
            reason=f"{NAMES[control]}（{kind}）：{reason}",
        )
    )
    await append_audit(
        session,
        actor=officer.officer_id,
        action=f"clock_{control}",
        subject=f"case:{case_id}",
        detail={"clock": kind, "reason": reason},
        now=now,
    )
    due_at = values.get("due_at", row.due_at)
    return {"clock": kind, "state": values["state"], "due_at": due_at.isoformat()}

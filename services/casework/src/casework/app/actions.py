"""Officers' actions on a case, through the workflow table; each recorded in the trail and the
responsibility trace, with the clocks it stops and starts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_kit.auth import Officer
from shouwang_kit.messaging import Outbox
from shouwang_proto.events import (
    CaseAwaitingV1,
    CaseComparedV1,
    CaseDecidedV1,
    CaseVisitedV1,
    ClockV1,
)
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters.tables import actions, cases, clocks, signals
from casework.app.audit import append_audit
from casework.app.case_events import add_case_event, case_place
from casework.app.comparisons import queue_comparison
from casework.domain.calendar import WorkingDayCalendar
from casework.domain.clocks import due_for
from casework.domain.risk_elimination import RiskRules, check_proposal, check_risk_elimination
from casework.domain.workflow import HANDOFFS, CaseTransitionError, available, decide

CaseActionError = CaseTransitionError
DECISIONS: dict[str, Literal["included", "dismissed"]] = {
    "county_include": "included",
    "county_dismiss": "dismissed",
}


async def _publish_decision(
    session: AsyncSession,
    outbox: Outbox,
    case: Any,
    decision: Literal["included", "dismissed"],
    details: Mapping[str, Any],
    started: list[ClockV1],
    *,
    now: datetime,
    message_id: UUID,
) -> None:
    """`case.decided` with every warning the case carries, in the action's transaction."""
    warning_ids = list(
        (
            await session.execute(
                select(signals.c.warning_id)
                .where(signals.c.case_id == case.case_id)
                .order_by(signals.c.attached_at, signals.c.warning_id)
            )
        ).scalars()
    )
    payload = CaseDecidedV1(
        **case_place(case),
        household_number=case.household_number,
        decision=decision,
        monitor_type=details.get("monitor_type") if decision == "included" else None,
        decided_at=now,
        warning_ids=warning_ids,
        clocks=started,
    )
    await add_case_event(
        outbox, payload, household_id=case.household_id, now=now, message_id=message_id
    )


async def apply_action(
    case_id: UUID,
    action: str,
    *,
    officer: Officer,
    reason: str,
    details: Mapping[str, Any],
    session: AsyncSession,
    outbox: Outbox,
    calendar: WorkingDayCalendar,
    tz: ZoneInfo,
    now: datetime,
    new_id: Callable[[], UUID],
    risk_rules: RiskRules,
) -> dict[str, Any]:
    """Take one workflow action; CaseTransitionError (status, code, message) when refused. The
    county's decision (纳入监测 / 不予纳入) goes out as `case.decided` for the agencies."""
    case = (
        await session.execute(select(cases).where(cases.c.case_id == case_id).with_for_update())
    ).first()
    if case is None:
        raise CaseTransitionError(404, "case.not_found", "未找到该案件")
    if not officer.may_see(case.region_code):
        raise CaseTransitionError(403, "scope.forbidden", "该案件不在您负责的区域内")
    unstopped = (
        await session.execute(
            select(clocks).where(clocks.c.case_id == case_id, clocks.c.stopped_at.is_(None))
        )
    ).all()
    running = {r.kind: r for r in unstopped if r.state in ("running", "breached")}
    decision = decide(
        action,
        state=case.status,
        role=officer.role,
        details=details,
        running_clocks={k: r.due_at for k, r in running.items()},
        now=now,
    )
    if decision.reopens:  # one open case per household: a newer one takes the household's work
        other = await session.scalar(
            select(cases.c.case_number).where(
                cases.c.household_id == case.household_id,
                cases.c.is_open,
                cases.c.case_id != case_id,
            )
        )
        if other is not None:
            raise CaseTransitionError(
                409,
                "case.household_open",
                f"该户已有在办案件 {other}，不能重新打开本案件，请在该案件中办理",
            )
    included_on = case.included_at.astimezone(tz).date() if case.included_at else None
    today = now.astimezone(tz).date()
    if action == "propose_risk_elimination":
        failures = check_proposal(details, included_on=included_on, today=today, rules=risk_rules)
        if failures:
            raise CaseTransitionError(
                422, "risk.rules", "不能申报风险消除：" + "；".join(f.message for f in failures)
            )
    if action == "county_confirm_risk":  # the marking's rules again, on the proposal's facts
        proposed = await session.scalar(
            select(actions.c.details)
            .where(actions.c.case_id == case_id, actions.c.action == "propose_risk_elimination")
            .order_by(actions.c.seq.desc())
            .limit(1)
        )
        failures = check_risk_elimination(
            proposed or {},
            included_on=included_on,
            today=today,
            income_threshold=risk_rules.income_threshold,
        )
        if failures:
            raise CaseTransitionError(
                422, "risk.rules", "不能标注风险消除：" + "；".join(f.message for f in failures)
            )
    stopped = {}
    for kind in decision.transition.stops:
        row = running.get(kind)
        if row is not None:
            final = "met" if row.state == "running" and now <= row.due_at else "met_late"
            stopped[kind] = final
            await session.execute(
                update(clocks)
                .where(clocks.c.clock_id == row.clock_id)
                .values(state=final, stopped_at=now)
            )
    if decision.closes:
        # A closed case's clocks stop with it (dismissed before the 信息比对 or a 公示 ran its
        # course): left running they would breach and escalate a case nobody works on. One
        # already run out keeps its state (it counts as late), stopped so it escalates no more.
        for row in unstopped:
            if row.kind not in stopped:
                final = "breached" if row.state == "breached" else "closed"
                stopped[row.kind] = final
                await session.execute(
                    update(clocks)
                    .where(clocks.c.clock_id == row.clock_id)
                    .values(state=final, stopped_at=now)
                )
    started: list[ClockV1] = []
    for kind, rule in decision.transition.starts:
        if any(r.kind == kind for r in unstopped):  # the earlier deadline stands (主动排查)
            continue
        due = due_for(rule, now, calendar, tz)
        clock = ClockV1(
            clock_id=new_id(),
            kind=kind,
            rule=rule,
            started_at=now,
            due_at=due.at,
            provisional=due.provisional,
        )
        await session.execute(
            insert(clocks).values(case_id=case_id, state="running", **clock.model_dump())
        )
        started.append(clock)
    if action == "accept":  # the agencies are asked to compare, due with the compare clock
        compare = next((c for c in started if c.kind == "compare"), None)
        if compare is not None:
            await queue_comparison(session, case_id, due_at=compare.due_at, now=now)
    values: dict[str, Any] = {"status": decision.target}
    if decision.closes:
        values |= {"is_open": False, "closed_at": now}
    if decision.reopens:
        values |= {"is_open": True, "closed_at": None}
    if action == "county_include":
        values |= {"monitor_type": details["monitor_type"], "included_at": now}
    if action == "accept":
        values |= {"assignee": officer.officer_id}  # 承办人: who accepted answers for the case
    await session.execute(update(cases).where(cases.c.case_id == case_id).values(**values))
    clean = {k: v for k, v in details.items() if isinstance(v, str | int | float | bool)}
    await session.execute(
        insert(actions).values(
            case_id=case_id,
            action=action,
            actor=officer.officer_id,
            at=now,
            reason=reason or decision.transition.name,
            details=clean,
        )
    )
    if action in DECISIONS:
        await _publish_decision(
            session,
            outbox,
            case,
            DECISIONS[action],
            details,
            started,
            now=now,
            message_id=new_id(),
        )
    if action in HANDOFFS:  # the next level is told: no clock will remind it
        awaiting, next_step = HANDOFFS[action]
        handed = CaseAwaitingV1(
            **case_place(case),
            step=decision.transition.name,
            status=decision.target,
            awaiting=awaiting,
            next_step=next_step,
            at=now,
        )
        await add_case_event(
            outbox, handed, household_id=case.household_id, now=now, message_id=new_id()
        )
    if action == "record_comparison":  # the results go to the village (seeds/000 二, 三)
        compared = CaseComparedV1(
            **case_place(case),
            compared_at=now,
            visited=decision.target == "visited",
            clocks=started,
        )
        await add_case_event(
            outbox, compared, household_id=case.household_id, now=now, message_id=new_id()
        )
    if action == "record_visit":  # intake counts it as the household's visit of the month
        visited = CaseVisitedV1(
            **case_place(case),
            visited_on=now.astimezone(tz).date(),
            visitor=officer.name or officer.officer_id,
            findings=str(details.get("findings", "")),
            at=now,
        )
        await add_case_event(
            outbox, visited, household_id=case.household_id, now=now, message_id=new_id()
        )
    await append_audit(
        session,
        actor=officer.officer_id,
        action=action,
        subject=f"case:{case_id}",
        detail={"reason": reason, "role": officer.role, "details": clean, "stopped": stopped},
        now=now,
    )
    return {
        "case_id": str(case_id),
        "status": decision.target,
        "is_open": values.get("is_open", case.is_open),
        "clocks_stopped": stopped,
        "clocks_started": [
            {"kind": c.kind, "rule": c.rule, "due_at": c.due_at.isoformat()} for c in started
        ],
        "next_actions": available(decision.target, officer.role),
    }

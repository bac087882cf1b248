"""HTTP API of casework: read cases with their signals, clocks and actions."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from shouwang_kit.auth import CurrentOfficer, Officer, require_scope
from shouwang_kit.db import in_transaction
from shouwang_kit.messaging import Outbox
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError
from sqlalchemy import Row, and_, exists, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters.calendar_source import CalendarCache
from casework.adapters.tables import actions, cases, clocks, outbox, signals
from casework.app.actions import apply_action
from casework.app.clock_control import control_clock
from casework.domain.workflow import (
    BY_ACTION,
    CaseTransitionError,
    available,
    details_in_words,
    fields_needed,
    states_for_role,
)

router = APIRouter(prefix="/v1", tags=["cases"])


def _case_summary(row: Row[Any]) -> dict[str, Any]:
    return {
        "case_id": str(row.case_id),
        "case_number": row.case_number,
        "household_id": str(row.household_id),
        "household_number": row.household_number,
        "region_code": row.region_code,
        "village_name": row.village_name,
        "township_name": row.township_name,
        "masked_name": row.masked_name,
        "status": row.status,
        "is_open": row.is_open,
        "opened_at": row.opened_at.isoformat(),
        "assignee": row.assignee,
        "monitor_type": row.monitor_type,  # once included (纳入监测), by type
        "included_at": row.included_at.isoformat() if row.included_at else None,
    }


def _signal(s: Row[Any]) -> dict[str, Any]:
    return {
        "warning_id": str(s.warning_id),
        "agency_code": s.agency_code,
        "signal_type": s.signal_type,
        "occurred_on": s.occurred_on.isoformat(),
        "attached_at": s.attached_at.isoformat(),
    }


def _clock(c: Row[Any]) -> dict[str, Any]:
    return {
        "clock_id": str(c.clock_id),
        "kind": c.kind,
        "rule": c.rule,
        "state": c.state,
        "started_at": c.started_at.isoformat(),
        "due_at": c.due_at.isoformat(),
        "provisional": c.provisional,
    }


async def _details_many(
    session: AsyncSession, case_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Signals, clocks and trail of several cases in three statements (not three per case)."""
    out: dict[uuid.UUID, dict[str, Any]] = {
        c: {"signals": [], "clocks": [], "actions": []} for c in case_ids
    }
    if not case_ids:
        return out
    for s in (await session.execute(select(signals).where(signals.c.case_id.in_(case_ids)))).all():
        out[s.case_id]["signals"].append(_signal(s))
    for c in (await session.execute(select(clocks).where(clocks.c.case_id.in_(case_ids)))).all():
        out[c.case_id]["clocks"].append(_clock(c))
    trail = select(actions).where(actions.c.case_id.in_(case_ids)).order_by(actions.c.seq)
    for a in (await session.execute(trail)).all():
        out[a.case_id]["actions"].append(
            {
                "action": a.action,
                "actor": a.actor,
                "at": a.at.isoformat(),
                "reason": a.reason,
                # The step's name (a trail row without a note of its own carries it as reason)
                "name_zh": BY_ACTION[a.action].name if a.action in BY_ACTION else None,
                "details": a.details or {},
                "details_zh": details_in_words(a.details or {}),
            }
        )
    return out


async def _details(session: AsyncSession, case_id: uuid.UUID) -> dict[str, Any]:
    return (await _details_many(session, [case_id]))[case_id]


LIVE_STATES = ("running", "breached")
TOTAL_CAP = 1000


async def _queue_page(
    session: AsyncSession, conditions: list[Any], *, limit: int, offset: int
) -> list[Row[Any]]:
    """Cases in queue order: by their earliest live clock (the most overdue first, then the
    nearest due), then cases with no live clock, newest first. The first part walks the
    partial index of live clocks in due order and stops after one page, instead of ranking
    every case in the region."""
    earlier = clocks.alias("earlier")
    earliest = ~exists().where(  # the case's earliest live clock only: one row per case
        earlier.c.case_id == clocks.c.case_id,
        earlier.c.stopped_at.is_(None),
        earlier.c.state.in_(LIVE_STATES),
        tuple_(earlier.c.due_at, earlier.c.clock_id) < tuple_(clocks.c.due_at, clocks.c.clock_id),
    )
    live_part = (
        select(cases)
        .join(clocks, clocks.c.case_id == cases.c.case_id)
        .where(clocks.c.stopped_at.is_(None), clocks.c.state.in_(LIVE_STATES), earliest)
        .where(*conditions)
    )
    rows = list(
        (
            await session.execute(
                live_part.order_by(clocks.c.due_at, clocks.c.clock_id).limit(limit).offset(offset)
            )
        ).all()
    )
    if len(rows) == limit:
        return rows
    with_live = (
        len(rows) + offset
        if rows
        else await session.scalar(select(func.count()).select_from(live_part.subquery()))
    )
    no_clock = ~exists().where(
        clocks.c.case_id == cases.c.case_id,
        clocks.c.stopped_at.is_(None),
        clocks.c.state.in_(LIVE_STATES),
    )
    rest = (
        select(cases)
        .where(no_clock, *conditions)
        .order_by(cases.c.opened_at.desc())
        .limit(limit - len(rows))
        .offset(max(offset - int(with_live or 0), 0))
    )
    return rows + list((await session.execute(rest)).all())


@router.get("/cases")
async def list_cases(
    request: Request,
    officer: CurrentOfficer,
    household_id: uuid.UUID | None = None,
    region_code: Annotated[
        str | None,
        Query(pattern=r"^\d{2,12}$", description="区划代码前缀（县、乡镇或村）"),
    ] = None,
    is_open: bool | None = None,
    status: Annotated[str | None, Query(description="案件状态，如 accepted")] = None,
    clock: Annotated[
        str | None,
        Query(
            pattern="^(overdue|due_today|due_this_week)$", description="超时 / 今日到期 / 本周到期"
        ),
    ] = None,
    agency: Annotated[str | None, Query(description="预警来源部门代码")] = None,
    signal_type: Annotated[str | None, Query(description="风险类型（预警信号代码）")] = None,
    assignee: Annotated[
        str | None, Query(max_length=100, description="承办人（受理案件的干部编号）")
    ] = None,
    actionable: Annotated[
        bool, Query(description="true：只列出本人角色有待办步骤的案件（待我办理）")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """The queue: cases inside the officer's region — overdue first, then by the nearest due
    clock, then newest — filtered by household, region (township or village), state, clock,
    source agency, risk type, assignee and, with `actionable`, the states in which the calling
    officer's role has a step to take; a page of `limit` from `offset`, with the total
    (counted up to 1,000; `total_capped` when there are more)."""
    runtime: ServiceRuntime = request.app.state.runtime
    tz = ZoneInfo(request.app.state.timezone)
    now = datetime.now(UTC)
    local_today = now.astimezone(tz).date()
    end_today = datetime.combine(local_today + timedelta(days=1), time.min, tzinfo=tz)
    end_week = datetime.combine(
        local_today + timedelta(days=7 - local_today.weekday()), time.min, tzinfo=tz
    )
    # An alias, so the filters never correlate with the clock the queue walks.
    k = clocks.alias("k")
    live = and_(k.c.case_id == cases.c.case_id, k.c.stopped_at.is_(None))
    overdue = exists().where(live, k.c.state == "breached")
    conditions: list[Any] = [cases.c.region_code.startswith(officer.scope, autoescape=True)]
    if household_id is not None:
        conditions.append(cases.c.household_id == household_id)
    if region_code:
        conditions.append(cases.c.region_code.startswith(region_code, autoescape=True))
    if is_open is not None:
        conditions.append(cases.c.is_open.is_(is_open))
    if status:
        conditions.append(cases.c.status == status)
    if assignee:
        conditions.append(cases.c.assignee == assignee)
    if actionable:
        conditions.append(cases.c.status.in_(states_for_role(officer.role)))
    if clock == "overdue":
        conditions.append(overdue)
    elif clock in ("due_today", "due_this_week"):
        until = end_today if clock == "due_today" else end_week
        conditions.append(exists().where(live, k.c.state == "running", k.c.due_at <= until))
    if agency or signal_type:
        signal = [signals.c.case_id == cases.c.case_id]
        if agency:
            signal.append(signals.c.agency_code == agency)
        if signal_type:
            signal.append(signals.c.signal_type == signal_type)
        conditions.append(exists().where(*signal))

    async def page() -> list[Row[Any]]:
        async with runtime.sessions() as session:
            return await _queue_page(session, conditions, limit=limit, offset=offset)

    async def count() -> int:  # on its own connection, at the same time as the page
        # Counted up to TOTAL_CAP: "已超时 1000+ 件" says enough, and counting every overdue
        # case of a county on each refresh is what made the 已超时 tab slow.
        capped = select(cases.c.case_id).where(*conditions).limit(TOTAL_CAP + 1).subquery()
        async with runtime.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(capped)) or 0)

    rows, total = await asyncio.gather(page(), count())
    async with runtime.sessions() as session:
        details = await _details_many(session, [r.case_id for r in rows])
    items = [{**_case_summary(r), **details[r.case_id]} for r in rows]
    return {
        "items": items,
        "count": len(items),
        "total": min(total, TOTAL_CAP),
        "total_capped": total > TOTAL_CAP,
        "offset": offset,
    }


@router.get("/cases/{case_ref}")
async def get_case(case_ref: str, request: Request, officer: CurrentOfficer) -> dict[str, Any]:
    """One case by id or case number, with its signals, clocks and action trail."""
    runtime: ServiceRuntime = request.app.state.runtime
    try:
        condition = cases.c.case_id == uuid.UUID(case_ref)
    except ValueError:
        condition = cases.c.case_number == case_ref
    async with runtime.sessions() as session:
        row = (await session.execute(select(cases).where(condition))).first()
        if row is None:
            raise ApiError(404, "case.not_found", f"未找到案件 {case_ref}")
        require_scope(officer, row.region_code, "该案件不在您负责的区域内，无权查看")
        actions = available(row.status, officer.role)
        return {
            **_case_summary(row),
            **await _details(session, row.case_id),
            "available_actions": actions,
            # What each of those actions asks for (the console's forms): name, label, kind
            # (text, choice, check: true/false, number), required, choices.
            "action_fields": {
                action: [
                    {
                        "name": f.name,
                        "label": f.label,
                        "kind": f.kind,
                        "required": f.required,
                        "choices": [{"value": v, "label": label} for v, label in f.choices],
                    }
                    for f in fields_needed(row.status, action)
                ]
                for action in actions
            },
        }


class ActionIn(BaseModel):
    """An officer's action on a case: a note, and the details the action needs."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500, description="说明")
    details: dict[str, str | int | float | bool] = Field(
        default_factory=dict,
        description="该操作需要的内容，如 findings（比对/核查结果）、result（propose/reject）、"
        "objections（公示异议）、monitor_type、explanation（不予纳入的说明）、officer、plan、"
        "measures；风险消除：targeted_help_done、basic_needs_stable、income_stable_6_months、"
        "rigid_costs_solved、village_assessed、household_consent、income_per_head、"
        "whole_household_no_labour、supported_by_children（申报风险消除）",
    )


async def _act(
    request: Request, case_id: uuid.UUID, action: str, body: ActionIn, officer: Officer
) -> dict[str, Any]:
    runtime: ServiceRuntime = request.app.state.runtime
    calendars: CalendarCache = request.app.state.calendars

    async def act(session: AsyncSession) -> dict[str, Any]:
        return await apply_action(
            case_id,
            action,
            officer=officer,
            reason=body.reason,
            details=body.details,
            session=session,
            outbox=Outbox(outbox, session),
            calendar=await calendars.get(session),
            tz=ZoneInfo(request.app.state.timezone),
            now=datetime.now(UTC),
            new_id=uuid.uuid4,
            risk_rules=request.app.state.risk_rules,
        )

    try:
        # Again when a deadlock's victim: an action locks the case, then the audit chain,
        # while the scheduler or a consumer may hold the chain and want the case.
        done = await in_transaction(runtime.sessions, act)
    except CaseTransitionError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    # An action may leave an event in the outbox (case.decided, case.compared, case.awaiting):
    # the relay sends it now rather than at its next poll.
    runtime.wake_outbox()
    return done


@router.post("/cases/{case_id}/actions/{action}")
async def post_action(
    case_id: uuid.UUID, action: str, body: ActionIn, request: Request, officer: CurrentOfficer
) -> dict[str, Any]:
    """Take a workflow action (accept, record_comparison, record_visit, village_assessment,
    start_village_notice, end_village_notice, township_approve, county_include, county_dismiss,
    name_officer, record_plan, start_help, propose_risk_elimination, township_verify_risk,
    county_confirm_risk, return_risk_proposal, rollback)."""
    return await _act(request, case_id, action, body, officer)


class BulkActionIn(ActionIn):
    """One action on several cases, each taken (or refused) on its own."""

    case_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=200, description="案件编号（最多200件）"
    )


@router.post("/cases/actions/{action}")
async def post_bulk_action(
    action: str, body: BulkActionIn, request: Request, officer: CurrentOfficer
) -> dict[str, Any]:
    """Take one action on several cases (e.g. 受理 a page of new cases): each case in its own
    transaction, so one refusal does not undo the others; the answer says which succeeded."""
    one = ActionIn(reason=body.reason, details=body.details)
    results = []
    for case_id in dict.fromkeys(body.case_ids):
        try:
            done = await _act(request, case_id, action, one, officer)
            results.append({"case_id": str(case_id), "ok": True, "status": done["status"]})
        except ApiError as exc:
            results.append(
                {"case_id": str(case_id), "ok": False, "code": exc.code, "message": exc.message}
            )
    succeeded = sum(1 for r in results if r["ok"])
    return {"results": results, "succeeded": succeeded, "failed": len(results) - succeeded}


@router.post("/cases/{case_id}/accept")
async def post_accept(
    case_id: uuid.UUID, body: ActionIn, request: Request, officer: CurrentOfficer
) -> dict[str, Any]:
    """Accept a case (受理): the acceptance clock stops; the comparison clock starts."""
    result = await _act(request, case_id, "accept", body, officer)
    result["accept_clock"] = result["clocks_stopped"].get("accept", "met")
    return result


class ClockControlIn(BaseModel):
    """Why the clock is paused, resumed or overridden."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="原因")


@router.post("/cases/{case_id}/clocks/{kind}/{control}")
async def post_clock_control(
    case_id: uuid.UUID,
    kind: str,
    control: Literal["pause", "resume", "override"],
    body: ClockControlIn,
    request: Request,
    officer: CurrentOfficer,
) -> dict[str, Any]:
    """County office: pause a clock (e.g. waiting for the household), resume it (the due time
    moves by the pause), or override it (stopped, not counted as a breach)."""
    runtime: ServiceRuntime = request.app.state.runtime

    async def work(session: AsyncSession) -> dict[str, Any]:
        return await control_clock(
            case_id,
            kind,
            control,
            officer=officer,
            reason=body.reason,
            session=session,
            now=datetime.now(UTC),
        )

    try:
        return await in_transaction(runtime.sessions, work)  # again as a deadlock's victim
    except CaseTransitionError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None

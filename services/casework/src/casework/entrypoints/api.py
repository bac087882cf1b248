"""HTTP API of casework: read cases with their signals, clocks and actions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from shouwang_kit.auth import CurrentOfficer, Officer
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError
from sqlalchemy import Row, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters.calendar_source import CalendarCache
from casework.adapters.tables import actions, cases, clocks, signals
from casework.app.actions import apply_action
from casework.app.clock_control import control_clock
from casework.domain.workflow import CaseTransitionError, available

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
    }


async def _details(session: AsyncSession, case_id: uuid.UUID) -> dict[str, Any]:
    sig = (await session.execute(select(signals).where(signals.c.case_id == case_id))).all()
    clk = (await session.execute(select(clocks).where(clocks.c.case_id == case_id))).all()
    act = (
        await session.execute(
            select(actions).where(actions.c.case_id == case_id).order_by(actions.c.seq)
        )
    ).all()
    return {
        "signals": [
            {
                "warning_id": str(s.warning_id),
                "agency_code": s.agency_code,
                "signal_type": s.signal_type,
                "occurred_on": s.occurred_on.isoformat(),
                "attached_at": s.attached_at.isoformat(),
            }
            for s in sig
        ],
        "clocks": [
            {
                "clock_id": str(c.clock_id),
                "kind": c.kind,
                "rule": c.rule,
                "state": c.state,
                "started_at": c.started_at.isoformat(),
                "due_at": c.due_at.isoformat(),
                "provisional": c.provisional,
            }
            for c in clk
        ],
        "actions": [
            {"action": a.action, "actor": a.actor, "at": a.at.isoformat(), "reason": a.reason}
            for a in act
        ],
    }


@router.get("/cases")
async def list_cases(
    request: Request,
    officer: CurrentOfficer,
    household_id: uuid.UUID | None = None,
    region_code: Annotated[str | None, Query(description="区划代码前缀（县、乡镇或村）")] = None,
    is_open: bool | None = None,
    status: Annotated[str | None, Query(description="案件状态，如 accepted")] = None,
    clock: Annotated[
        str | None,
        Query(
            pattern="^(overdue|due_today|due_this_week)$", description="超时 / 今日到期 / 本周到期"
        ),
    ] = None,
    agency: Annotated[str | None, Query(description="预警来源部门代码")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The queue: cases inside the officer's region — overdue first, then by the nearest due
    clock, then newest — filtered by household, region, state, clock and source agency."""
    runtime: ServiceRuntime = request.app.state.runtime
    tz = ZoneInfo(request.app.state.timezone)
    now = datetime.now(UTC)
    local_today = now.astimezone(tz).date()
    end_today = datetime.combine(local_today + timedelta(days=1), time.min, tzinfo=tz)
    end_week = datetime.combine(
        local_today + timedelta(days=7 - local_today.weekday()), time.min, tzinfo=tz
    )
    live = and_(clocks.c.case_id == cases.c.case_id, clocks.c.stopped_at.is_(None))
    overdue = exists().where(live, clocks.c.state == "breached")
    next_due = (
        select(func.min(clocks.c.due_at)).where(live, clocks.c.state == "running").scalar_subquery()
    )
    query = (
        select(cases)
        .where(cases.c.region_code.startswith(officer.scope))
        .order_by(overdue.desc(), next_due.asc().nulls_last(), cases.c.opened_at.desc())
        .limit(limit)
    )
    if household_id is not None:
        query = query.where(cases.c.household_id == household_id)
    if region_code:
        query = query.where(cases.c.region_code.startswith(region_code))
    if is_open is not None:
        query = query.where(cases.c.is_open.is_(is_open))
    if status:
        query = query.where(cases.c.status == status)
    if clock == "overdue":
        query = query.where(overdue)
    elif clock in ("due_today", "due_this_week"):
        until = end_today if clock == "due_today" else end_week
        query = query.where(
            exists().where(live, clocks.c.state == "running", clocks.c.due_at <= until)
        )
    if agency:
        query = query.where(
            exists().where(signals.c.case_id == cases.c.case_id, signals.c.agency_code == agency)
        )
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).all()
        items = [{**_case_summary(r), **await _details(session, r.case_id)} for r in rows]
    return {"items": items, "count": len(items)}


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
        if not officer.may_see(row.region_code):
            raise ApiError(403, "scope.forbidden", "该案件不在您负责的区域内，无权查看")
        return {
            **_case_summary(row),
            **await _details(session, row.case_id),
            "available_actions": available(row.status, officer.role),
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
        "rigid_costs_solved、income_per_head、whole_household_no_labour、supported_by_children",
    )


async def _act(
    request: Request, case_id: uuid.UUID, action: str, body: ActionIn, officer: Officer
) -> dict[str, Any]:
    runtime: ServiceRuntime = request.app.state.runtime
    calendars: CalendarCache = request.app.state.calendars
    try:
        async with runtime.sessions() as session, session.begin():
            return await apply_action(
                case_id,
                action,
                officer=officer,
                reason=body.reason,
                details=body.details,
                session=session,
                calendar=await calendars.get(session),
                tz=ZoneInfo(request.app.state.timezone),
                now=datetime.now(UTC),
                new_id=uuid.uuid4,
                income_threshold=request.app.state.income_threshold,
            )
    except CaseTransitionError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None


@router.post("/cases/{case_id}/actions/{action}")
async def post_action(
    case_id: uuid.UUID, action: str, body: ActionIn, request: Request, officer: CurrentOfficer
) -> dict[str, Any]:
    """Take a workflow action (accept, record_comparison, record_visit, village_assessment,
    start_village_notice, end_village_notice, township_approve, county_include, county_dismiss,
    name_officer, record_plan, start_help, eliminate_risk, rollback)."""
    return await _act(request, case_id, action, body, officer)


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
    try:
        async with runtime.sessions() as session, session.begin():
            return await control_clock(
                case_id,
                kind,
                control,
                officer=officer,
                reason=body.reason,
                session=session,
                now=datetime.now(UTC),
            )
    except CaseTransitionError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None

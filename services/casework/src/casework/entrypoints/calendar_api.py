"""The working-day calendar over HTTP (other services and the console use it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from shouwang_kit.auth import CurrentOfficer, require_role
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError
from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert

from casework.adapters.calendar_source import CalendarCache, current_calendar
from casework.adapters.tables import calendar_overrides, calendar_years, cases, clocks
from casework.app.audit import append_audit
from casework.app.clocks import recompute_provisional
from casework.domain.calendar import CalendarError, parse_year

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])
YEAR_EXAMPLE = {
    "year": 2027,
    "papers": ["https://www.gov.cn/zhengce/content/2026-11/..."],
    "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
        {"name": "春节", "date": "2027-02-06", "isOffDay": True},
        {"name": "春节", "date": "2027-02-20", "isOffDay": False},
    ],
}


class OverrideIn(BaseModel):
    """An administrator's decision about one day."""

    model_config = ConfigDict(extra="forbid")

    working: bool = Field(description="该日是否上班")
    reason: str = Field(min_length=1, max_length=200, description="原因，如“洪灾停工”")


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _cache(request: Request) -> CalendarCache:
    cache: CalendarCache = request.app.state.calendars
    return cache


def _require_county(officer: CurrentOfficer) -> None:
    require_role(officer, {"county_office"}, "只有县乡村振兴局可以维护工作日历")


@router.get("/days/{day}")
async def get_day(day: date, request: Request) -> dict[str, Any]:
    """Whether a day is a working day, its holiday name, and whether that is provisional."""
    async with _runtime(request).sessions() as session:
        info = (await _cache(request).get(session)).day_info(day)
    return {
        "date": info.day.isoformat(),
        "working": info.working,
        "name": info.name,
        "provisional": info.provisional,
    }


@router.get("/add-working-days")
async def add_working_days(
    request: Request,
    start: Annotated[date, Query(alias="from", description="起算日（不计入）")],
    days: Annotated[int, Query(ge=0, le=366, description="工作日天数")],
) -> dict[str, Any]:
    """The N-th working day after `from` (not counting `from`)."""
    async with _runtime(request).sessions() as session:
        day, provisional = (await _cache(request).get(session)).add_working_days(start, days)
    return {"date": day.isoformat(), "provisional": provisional}


@router.get("/working-days")
async def working_days(
    request: Request,
    start: Annotated[date, Query(alias="from", description="起算日（不计入）")],
    end: Annotated[date, Query(alias="to", description="截止日（计入）")],
) -> dict[str, Any]:
    """How many working days lie after `from` up to and including `to` (time left on a clock
    due on `to`, or how late one due on `from` is today)."""
    if (end - start).days > 3660:
        raise ApiError(422, "calendar.range", "起止日期相差不能超过十年")
    async with _runtime(request).sessions() as session:
        count, provisional = (await _cache(request).get(session)).working_days_between(start, end)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "working_days": count,
        "provisional": provisional,
    }


@router.get("/provisional-clocks")
async def provisional_clocks(
    request: Request,
    officer: CurrentOfficer,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Running clocks whose due date was computed on a year not yet published (Monday–Friday
    assumed), in the officer's region; loading that year computes them again."""
    condition = and_(
        clocks.c.provisional,
        clocks.c.stopped_at.is_(None),
        cases.c.region_code.startswith(officer.scope, autoescape=True),
    )
    query = (
        select(
            cases.c.case_id,
            cases.c.case_number,
            cases.c.township_name,
            cases.c.village_name,
            cases.c.masked_name,
            clocks.c.kind,
            clocks.c.rule,
            clocks.c.state,
            clocks.c.due_at,
        )
        .join(cases, cases.c.case_id == clocks.c.case_id)
        .where(condition)
        .order_by(clocks.c.due_at)
        .limit(limit)
    )
    total_query = (
        select(func.count()).select_from(clocks.join(cases, cases.c.case_id == clocks.c.case_id))
    ).where(condition)
    async with _runtime(request).sessions() as session:
        rows = (await session.execute(query)).all()
        total = int(await session.scalar(total_query) or 0)
    return {
        "total": total,
        "items": [
            {
                "case_id": str(r.case_id),
                "case_number": r.case_number,
                "township_name": r.township_name,
                "village_name": r.village_name,
                "masked_name": r.masked_name,
                "kind": r.kind,
                "rule": r.rule,
                "state": r.state,
                "due_at": r.due_at.isoformat(),
            }
            for r in rows
        ],
    }


@router.get("/years")
async def list_years(request: Request) -> dict[str, Any]:
    """Years whose schedule is known, and which were loaded by an administrator."""
    async with _runtime(request).sessions() as session:
        calendar = await current_calendar(session)
        loaded = (
            await session.execute(
                select(
                    calendar_years.c.year, calendar_years.c.loaded_by, calendar_years.c.loaded_at
                )
            )
        ).all()
    return {
        "known_years": sorted(calendar.known_years),
        "loaded": [
            {"year": y, "loaded_by": by, "loaded_at": at.isoformat()} for y, by, at in loaded
        ],
    }


@router.put("/years/{year}")
async def put_year(
    year: int,
    request: Request,
    officer: CurrentOfficer,
    document: Annotated[dict[str, Any], Body(examples=[YEAR_EXAMPLE])],
) -> dict[str, Any]:
    """Load a year's State Council schedule; provisional deadlines are computed again."""
    _require_county(officer)
    try:
        schedule = parse_year(year, document)
    except CalendarError as exc:
        raise ApiError(422, exc.code, exc.message) from None
    runtime = _runtime(request)
    now = datetime.now(UTC)
    tz = ZoneInfo(request.app.state.timezone)
    async with runtime.sessions() as session, session.begin():
        values = {"document": document, "loaded_by": officer.officer_id, "loaded_at": now}
        await session.execute(
            insert(calendar_years)
            .values(year=year, **values)
            .on_conflict_do_update(index_elements=[calendar_years.c.year], set_=values)
        )
        calendar = await current_calendar(session)
        recomputed = await recompute_provisional(session, calendar=calendar, tz=tz)
        await append_audit(
            session,
            actor=officer.officer_id,
            action="calendar_year_loaded",
            subject=f"calendar:{year}",
            detail={"days_off": len(schedule.off_days), "make_up": len(schedule.make_up_days)},
            now=now,
        )
    _cache(request).invalidate()
    return {
        "year": year,
        "days_off": len(schedule.off_days),
        "make_up_days": len(schedule.make_up_days),
        "clocks_recomputed": recomputed,
    }


@router.put("/overrides/{day}")
async def put_override(
    day: date, body: OverrideIn, request: Request, officer: CurrentOfficer
) -> dict[str, Any]:
    """Declare one day working or not (a local decision), with the reason."""
    _require_county(officer)
    runtime = _runtime(request)
    now = datetime.now(UTC)
    tz = ZoneInfo(request.app.state.timezone)
    async with runtime.sessions() as session, session.begin():
        values = {
            "working": body.working,
            "reason": body.reason,
            "set_by": officer.officer_id,
            "set_at": now,
        }
        await session.execute(
            insert(calendar_overrides)
            .values(day=day, **values)
            .on_conflict_do_update(index_elements=[calendar_overrides.c.day], set_=values)
        )
        calendar = await current_calendar(session)
        await recompute_provisional(session, calendar=calendar, tz=tz)
        await append_audit(
            session,
            actor=officer.officer_id,
            action="calendar_override",
            subject=f"calendar:{day.isoformat()}",
            detail={"working": body.working, "reason": body.reason},
            now=now,
        )
    _cache(request).invalidate()
    return {"date": day.isoformat(), "working": body.working, "reason": body.reason}

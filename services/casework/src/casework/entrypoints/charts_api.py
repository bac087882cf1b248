"""Reports behind the console's charts (JSON or XLSX, in the officer's region): each agency's
precision (share of its warnings confirmed vs dismissed), open cases by township, new warnings
by agency and month, and the on-time rate per township by month."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from shouwang_kit.auth import CurrentOfficer
from sqlalchemy import case, func, select

from casework.adapters.tables import cases, clocks, signals
from casework.domain.clocks import add_months
from casework.domain.workflow import MONITORED
from casework.entrypoints.reports_api import FORMAT, _answer, cached_rows

router = APIRouter(prefix="/v1/reports", tags=["reports"])
MONTHS = Query(ge=1, le=36, description="最近几个月（含本月）")
CONFIRMED = MONITORED


def _since(months: int, tz: ZoneInfo) -> datetime:
    first = datetime.now(UTC).astimezone(tz).date().replace(day=1)
    return datetime.combine(add_months(first, 1 - months), time.min, tzinfo=tz)


def precision_rows(counts: dict[str, dict[str, int]]) -> list[list[Any]]:
    """Per agency: warnings, confirmed, dismissed, open, precision (confirmed of decided)."""
    out = []
    for agency, c in sorted(counts.items()):
        decided = c["confirmed"] + c["dismissed"]
        rate = round(c["confirmed"] / decided, 4) if decided else None
        out.append([agency, c["total"], c["confirmed"], c["dismissed"], c["open"], rate])
    return out


@router.get("/precision")
async def precision(
    request: Request,
    officer: CurrentOfficer,
    months: Annotated[int, MONTHS] = 12,
    format: Annotated[str, FORMAT] = "json",
) -> Any:
    """Each agency's warnings (attached to cases in the last `months`) by how their cases
    ended: confirmed (纳入监测), dismissed (不予纳入), still open — the precision scorecard."""
    tz = ZoneInfo(request.app.state.timezone)
    outcome = case(
        (cases.c.status.in_(CONFIRMED), "confirmed"),
        (cases.c.status == "dismissed", "dismissed"),
        else_="open",
    )
    rows = await cached_rows(
        request,
        ("precision", officer.scope, months),
        select(signals.c.agency_code, outcome, func.count())
        .join(cases, cases.c.case_id == signals.c.case_id)
        .where(
            cases.c.region_code.startswith(officer.scope, autoescape=True),
            signals.c.attached_at >= _since(months, tz),
        )
        .group_by(signals.c.agency_code, outcome),
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for agency, kind, count in rows:
        counts[agency][kind] += count
        counts[agency]["total"] += count
    header = ["来源部门", "预警数", "确认纳入", "不予纳入", "处理中", "准确率"]
    return _answer(format, "部门预警准确率", header, precision_rows(counts), "precision")


@router.get("/open-by-township")
async def open_by_township(
    request: Request, officer: CurrentOfficer, format: Annotated[str, FORMAT] = "json"
) -> Any:
    """Open cases per township, most first, with how many have a clock run out."""
    breached = (
        select(clocks.c.case_id)
        .where(clocks.c.stopped_at.is_(None), clocks.c.state == "breached")
        .distinct()
        .subquery()
    )
    rows = await cached_rows(
        request,
        ("open-by-township", officer.scope),
        select(
            cases.c.township_name,
            func.count(),
            func.count(breached.c.case_id),
        )
        .outerjoin(breached, breached.c.case_id == cases.c.case_id)
        .where(cases.c.is_open, cases.c.region_code.startswith(officer.scope, autoescape=True))
        .group_by(cases.c.township_name)
        .order_by(func.count().desc(), cases.c.township_name),
    )
    out = [[t, n, late] for t, n, late in rows]
    return _answer(
        format, "各乡镇在办案件", ["乡镇", "在办案件", "其中超时"], out, "open-by-township"
    )


@router.get("/warnings-trend")
async def warnings_trend(
    request: Request,
    officer: CurrentOfficer,
    months: Annotated[int, MONTHS] = 6,
    format: Annotated[str, FORMAT] = "json",
) -> Any:
    """New warnings per month and source agency (by the month they reached a case)."""
    tz = ZoneInfo(request.app.state.timezone)
    month = func.to_char(func.timezone(tz.key, signals.c.attached_at), "YYYY-MM")
    rows = await cached_rows(
        request,
        ("warnings-trend", officer.scope, months),
        select(month, signals.c.agency_code, func.count())
        .join(cases, cases.c.case_id == signals.c.case_id)
        .where(
            cases.c.region_code.startswith(officer.scope, autoescape=True),
            signals.c.attached_at >= _since(months, tz),
        )
        .group_by(month, signals.c.agency_code)
        .order_by(month, signals.c.agency_code),
    )
    out = [[m, agency, n] for m, agency, n in rows]
    return _answer(format, "新增预警趋势", ["月份", "来源部门", "预警数"], out, "warnings-trend")


@router.get("/on-time-trend")
async def on_time_trend(
    request: Request,
    officer: CurrentOfficer,
    months: Annotated[int, MONTHS] = 6,
    format: Annotated[str, FORMAT] = "json",
) -> Any:
    """Per month (of the due date) and township: clocks met in time, late, overdue, rate —
    for this month as the month's on-time report counts them (a clock met before it is due
    counts in its month, as in `/on-time`), up to this month's end."""
    tz = ZoneInfo(request.app.state.timezone)
    # A deadline is the end of its day, stored as the next day's 00:00: one due on the 30th
    # of November is November's (as in `/on-time`), not December's.
    month = func.to_char(
        func.timezone(tz.key, clocks.c.due_at - timedelta(microseconds=1)), "YYYY-MM"
    )
    rows = await cached_rows(
        request,
        ("on-time-trend", officer.scope, months),
        select(month, cases.c.township_name, clocks.c.state, func.count())
        .join(cases, cases.c.case_id == clocks.c.case_id)
        .where(
            cases.c.region_code.startswith(officer.scope, autoescape=True),
            clocks.c.due_at > _since(months, tz),
            # Not only those due by now: a clock met today but due on the 20th is this month's.
            clocks.c.due_at <= _since(0, tz),
            clocks.c.state.in_(("met", "met_late", "breached")),
        )
        .group_by(month, cases.c.township_name, clocks.c.state),
    )
    table: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for m, township, state, count in rows:
        table[(m, township)][state] += count
    out = []
    for (m, township), s in sorted(table.items()):
        decided = s["met"] + s["met_late"] + s["breached"]
        out.append(
            [
                m,
                township,
                s["met"],
                s["met_late"],
                s["breached"],
                round(s["met"] / decided, 4) if decided else None,
            ]
        )
    header = ["月份", "乡镇", "按时完成", "超时完成", "超时未完成", "按时率"]
    return _answer(format, "按时率趋势", header, out, "on-time-trend")

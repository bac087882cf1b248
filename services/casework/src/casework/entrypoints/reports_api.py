"""Reports for the county (and each township in its own region): on-time rate per township and
clock by month, the overdue list for 督办, cases by source agency and by risk type, the ledger
of monitored households' help (帮扶措施台账); JSON or XLSX (safe against formula injection)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from shouwang_kit.auth import CurrentOfficer
from shouwang_kit.deadlines import deadline_text, month_span
from shouwang_kit.export import XLSX_TYPE, xlsx_bytes
from shouwang_kit.runtime import ServiceRuntime
from shouwang_proto.events import CLOCK_KIND_NAMES
from sqlalchemy import and_, func, select

from casework.adapters.calendar_source import CalendarCache
from casework.adapters.report_cache import ReportCache
from casework.adapters.tables import actions, cases, clocks, signals
from casework.domain.clocks import working_days_late
from casework.domain.workflow import MONITORED, STATE_NAMES

router = APIRouter(prefix="/v1/reports", tags=["reports"])
MONTH = Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
FORMAT = Query(pattern="^(json|xlsx)$", description="json 或 xlsx")
CLOCK_NAMES = CLOCK_KIND_NAMES


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def cached_rows(request: Request, key: Hashable, statement: Any) -> list[tuple[Any, ...]]:
    """The statement's rows through the report cache (a minute old at most, see ReportCache)."""
    cache: ReportCache = request.app.state.report_cache
    runtime = _runtime(request)

    async def compute() -> list[tuple[Any, ...]]:
        async with runtime.sessions() as session:
            return [tuple(r) for r in (await session.execute(statement)).all()]

    rows: list[tuple[Any, ...]] = await cache.get(key, compute)
    return rows


def _answer(fmt: str, title: str, header: list[str], rows: list[list[Any]], filename: str) -> Any:
    if fmt == "xlsx":
        return Response(
            xlsx_bytes(title, header, rows),
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
        )
    return {"title": title, "columns": header, "rows": rows}


@router.get("/on-time")
async def on_time(
    request: Request,
    officer: CurrentOfficer,
    month: Annotated[str, MONTH],
    format: Annotated[str, FORMAT] = "json",
) -> Any:
    """Clocks due in the month, per township and clock: met in time, met late, overdue, rate."""
    tz = ZoneInfo(request.app.state.timezone)
    start, end = month_span(month, tz)
    rows = await cached_rows(
        request,
        ("on-time", officer.scope, month),
        select(cases.c.township_name, clocks.c.kind, clocks.c.state, func.count())
        .join(cases, cases.c.case_id == clocks.c.case_id)
        .where(
            cases.c.region_code.startswith(officer.scope),
            clocks.c.due_at > start,
            clocks.c.due_at <= end,
        )
        .group_by(cases.c.township_name, clocks.c.kind, clocks.c.state),
    )
    table: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for township, kind, state, count in rows:
        table[(township, kind)][state] += count
    out = []
    for (township, kind), states in sorted(table.items()):
        met, late, overdue = states["met"], states["met_late"], states["breached"]
        decided = met + late + overdue
        rate = round(met / decided, 4) if decided else None
        out.append(
            [township, CLOCK_NAMES.get(kind, kind), met, late, overdue, states["running"], rate]
        )
    header = ["乡镇", "时限", "按时完成", "超时完成", "超时未完成", "进行中", "按时率"]
    return _answer(format, f"{month} 按时率", header, out, f"on-time-{month}")


@router.get("/overdue")
async def overdue(
    request: Request, officer: CurrentOfficer, format: Annotated[str, FORMAT] = "json"
) -> Any:
    """The 督办 list: open cases with a clock run out, longest overdue first."""
    tz = ZoneInfo(request.app.state.timezone)
    now = datetime.now(UTC)
    calendars: CalendarCache = request.app.state.calendars
    async with _runtime(request).sessions() as session:
        calendar = await calendars.get(session)
        rows = (
            await session.execute(
                select(
                    cases.c.case_number,
                    cases.c.township_name,
                    cases.c.village_name,
                    cases.c.masked_name,
                    cases.c.status,
                    clocks.c.kind,
                    clocks.c.due_at,
                    clocks.c.escalation_level,
                )
                .join(cases, cases.c.case_id == clocks.c.case_id)
                .where(
                    cases.c.region_code.startswith(officer.scope),
                    cases.c.is_open,
                    and_(clocks.c.state == "breached", clocks.c.stopped_at.is_(None)),
                )
                .order_by(clocks.c.due_at)
            )
        ).all()
    out = [
        [
            r.case_number,
            r.township_name,
            r.village_name,
            r.masked_name,
            CLOCK_NAMES.get(r.kind, r.kind),
            deadline_text(r.due_at, tz),
            working_days_late(r.due_at, now, calendar, tz),
            ["责任人", "乡镇督办", "县级督办"][min(max(r.escalation_level, 0), 2)],
        ]
        for r in rows
    ]
    header = ["案件编号", "乡镇", "村", "农户", "时限", "应完成时间", "超时工作日", "督办级别"]
    return _answer(format, "超时督办清单", header, out, "overdue")


@router.get("/by-agency")
async def by_agency(
    request: Request,
    officer: CurrentOfficer,
    month: Annotated[str, MONTH],
    format: Annotated[str, FORMAT] = "json",
) -> Any:
    """Signals attached in the month by source agency and risk type, with how their cases ended
    (included as monitored, dismissed, still open)."""
    tz = ZoneInfo(request.app.state.timezone)
    start, end = month_span(month, tz)
    async with _runtime(request).sessions() as session:
        rows = (
            await session.execute(
                select(signals.c.agency_code, signals.c.signal_type, cases.c.status, func.count())
                .join(cases, cases.c.case_id == signals.c.case_id)
                .where(
                    cases.c.region_code.startswith(officer.scope),
                    signals.c.attached_at >= start,
                    signals.c.attached_at < end,
                )
                .group_by(signals.c.agency_code, signals.c.signal_type, cases.c.status)
            )
        ).all()
    table: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for agency, kind, status, count in rows:
        bucket = table[(agency, kind)]
        bucket["total"] += count
        if status == "dismissed":
            bucket["dismissed"] += count
        elif status in MONITORED:
            bucket["included"] += count
        else:
            bucket["open"] += count
    out = [
        [agency, kind, b["total"], b["included"], b["dismissed"], b["open"]]
        for (agency, kind), b in sorted(table.items())
    ]
    header = ["来源部门", "预警类型", "预警数", "已纳入监测", "不予纳入", "处理中"]
    return _answer(format, f"{month} 来源部门", header, out, f"by-agency-{month}")


# The trail's last word on each help step: who answers for the household, the plan, the help.
LEDGER_STEPS = {"name_officer": "officer", "record_plan": "plan", "start_help": "measures"}
LEDGER_HEADER = [
    "案件编号",
    "乡镇",
    "村",
    "农户",
    "户编号",
    "监测对象类型",
    "纳入日期",
    "帮扶责任人",
    "帮扶计划（一户一策）",
    "已落实的帮扶措施",
    "落实帮扶时限",
    "状态",
]


@router.get("/help-ledger")
async def help_ledger(
    request: Request,
    officer: CurrentOfficer,
    format: Annotated[str, FORMAT] = "json",
    closed: Annotated[bool, Query(description="true：含已标注风险消除（销号）的农户")] = False,
) -> Any:
    """帮扶措施台账 (seeds/003 附件2; seeds/002 一户一策): every household included as monitored in
    the officer's region, with who answers for it, its plan, the help put in place and the
    day the help is due; households whose risk was eliminated (销号) with `closed=true`."""
    tz = ZoneInfo(request.app.state.timezone)
    cache: ReportCache = request.app.state.report_cache
    out: list[list[Any]] = await cache.get(
        ("help-ledger", officer.scope, closed),
        lambda: _ledger_rows(_runtime(request), officer.scope, closed, tz),
    )
    return _answer(format, "帮扶措施台账", LEDGER_HEADER, out, "help-ledger")


async def _ledger_rows(
    runtime: ServiceRuntime, scope: str, closed: bool, tz: ZoneInfo
) -> list[list[Any]]:
    """The ledger's rows: monitored cases in `scope` with the last officer, plan and help the
    trail recorded and the help clock's day."""
    states = [s for s in MONITORED if closed or s != "risk_eliminated"]
    async with runtime.sessions() as session:
        found = (
            await session.execute(
                select(cases)
                .where(cases.c.region_code.startswith(scope), cases.c.status.in_(states))
                .order_by(cases.c.included_at, cases.c.case_number)
            )
        ).all()
        ids = [c.case_id for c in found]
        steps: dict[tuple[Any, str], str] = {}
        helps: dict[Any, datetime] = {}
        if ids:
            for case_id, action, details in (
                await session.execute(
                    select(actions.c.case_id, actions.c.action, actions.c.details)
                    .where(actions.c.case_id.in_(ids), actions.c.action.in_(list(LEDGER_STEPS)))
                    .order_by(actions.c.seq)
                )
            ).tuples():
                field = LEDGER_STEPS[action]
                steps[(case_id, field)] = str((details or {}).get(field, ""))  # the last wins
            for case_id, due_at in (
                await session.execute(
                    select(clocks.c.case_id, clocks.c.due_at).where(
                        clocks.c.case_id.in_(ids), clocks.c.kind == "help"
                    )
                )
            ).tuples():
                helps[case_id] = due_at
    out = [
        [
            c.case_number,
            c.township_name,
            c.village_name,
            c.masked_name,
            c.household_number,
            c.monitor_type or "",
            c.included_at.astimezone(tz).date().isoformat() if c.included_at else "",
            steps.get((c.case_id, "officer"), ""),
            steps.get((c.case_id, "plan"), ""),
            steps.get((c.case_id, "measures"), ""),
            deadline_text(helps[c.case_id], tz) if c.case_id in helps else "",
            STATE_NAMES.get(c.status, c.status),
        ]
        for c in found
    ]
    return out

"""For the agencies (API key): the households the county included as monitored in a month,
with their members (新增监测对象名单), to put their own help in place (seeds/004)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from shouwang_kit.deadlines import month_span
from shouwang_kit.export import XLSX_TYPE, xlsx_bytes
from shouwang_kit.logs import get_logger
from shouwang_kit.web import ApiError
from sqlalchemy import select

from agency_gateway.adapters.registry import RegistryUnavailable, household_members
from agency_gateway.adapters.tables import monitored_households
from agency_gateway.domain.feeds import previous_period
from agency_gateway.domain.monitored import HEADER, list_rows
from agency_gateway.entrypoints.deps import CurrentAgency, RuntimeDep

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["monitored households"])
# Registry reads in flight at once for one list (a county includes tens to hundreds a month).
READS_AT_ONCE = 8


@router.get("/monitored-households")
async def monitored_list(
    request: Request,
    runtime: RuntimeDep,
    agency: CurrentAgency,
    period: Annotated[
        str | None,
        Query(
            pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$",
            description="纳入监测的月份 YYYY-MM，缺省为上月",
        ),
    ] = None,
    format: Annotated[Literal["json", "xlsx"], Query(description="json 或 xlsx")] = "json",
) -> Any:
    """The households included as monitored (纳入监测) in `period` (the county's month; by
    default last month), oldest first, each with its members' names, relations and ID numbers
    read from the registry now. Every call is logged with the agency and the count."""
    settings = request.app.state.settings
    tz = ZoneInfo(settings.timezone)
    month = period or previous_period(datetime.now(tz).date())
    start, end = month_span(month, tz)
    async with runtime.sessions() as session:
        rows = (
            await session.execute(
                select(monitored_households)
                .where(
                    monitored_households.c.included_at >= start,
                    monitored_households.c.included_at < end,
                )
                .order_by(monitored_households.c.included_at, monitored_households.c.case_number)
            )
        ).all()
    client: httpx.AsyncClient = request.app.state.intake
    gate = asyncio.Semaphore(READS_AT_ONCE)

    async def members(number: str | None) -> list[dict[str, Any]]:
        if not number:  # decided before decisions carried the number: see the case instead
            return []
        async with gate:
            return await household_members(client, settings.auth_key, number)

    try:
        found = await asyncio.gather(*(members(r.household_number) for r in rows))
    except RegistryUnavailable as exc:
        log.warning("monitored_list.registry_unavailable", agency=agency, error=str(exc))
        raise ApiError(
            503,
            "registry.unavailable",
            "农户信息库暂时无法访问，名单中的家庭成员无法读取，请稍后重试",
            headers={"Retry-After": "30"},
        ) from None
    households = [{**r._mapping, "members": m} for r, m in zip(rows, found, strict=True)]
    log.info(
        "monitored_list.read",
        agency=agency,
        period=month,
        households=len(households),
        members=sum(len(h["members"]) for h in households),
    )
    if format == "xlsx":
        body = xlsx_bytes(f"新增监测对象{month}", HEADER, list_rows(households, tz))
        name = f"monitored-{month}.xlsx"
        return Response(
            body,
            media_type=XLSX_TYPE,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )
    return {
        "period": month,
        "count": len(households),
        "items": [
            {
                "case_number": h["case_number"],
                "household_number": h["household_number"],
                "region_code": h["region_code"],
                "township_name": h["township_name"],
                "village_name": h["village_name"],
                "monitor_type": h["monitor_type"],
                "included_on": h["included_at"].astimezone(tz).date().isoformat(),
                "members": h["members"],
            }
            for h in households
        ],
    }

"""HTTP API for the monthly screening (一月一排查): record visits, see who is not yet visited."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from shouwang_kit.auth import CurrentOfficer
from shouwang_kit.messaging import Outbox
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError

from intake.adapters.tables import outbox
from intake.app.signals import coverage_report, record_visit
from intake.domain.regions import RegionCodeError, region_level
from intake.domain.signals import REASONS
from intake.domain.visits import Visit, VisitError, check_visit
from intake.entrypoints.access import in_scope, visitor
from intake.entrypoints.api import registry_keys

router = APIRouter(prefix="/v1", tags=["cadre visits"])


class VisitIn(BaseModel):
    """A home visit (入户走访) as the cadre reports it."""

    model_config = ConfigDict(extra="forbid")

    household_number: str = Field(min_length=1, max_length=32, description="户编号")
    visit_date: date = Field(description="走访日期")
    visitor: str = Field(default="", max_length=100, description="走访人（不填为登录的干部本人）")
    findings: str = Field(default="", max_length=2000, description="走访发现")
    risk_flag: bool = Field(default=False, description="是否存在返贫致贫风险")
    warning_reason: str | None = Field(
        default=None,
        description="发起预警的原因代码（十类重点群体）：" + "、".join(REASONS),
        examples=["major_illness"],
    )


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


@router.post("/visits", status_code=201)
async def post_visit(
    body: VisitIn, request: Request, officer: CurrentOfficer
) -> dict[str, str | None]:
    """Record a visit to a household of the officer's region (village cadre, work team,
    township officer, county office); with `warning_reason`, a warning about the household
    goes to matching."""
    visitor(officer)
    runtime = _runtime(request)
    now = datetime.now(UTC)
    fields = body.model_dump()
    fields["visitor"] = body.visitor.strip() or officer.name or officer.officer_id
    try:
        visit = check_visit(Visit(**fields), today=runtime.settings.today(now))
        async with runtime.sessions() as session, session.begin():
            visit_id, warning_id = await record_visit(
                visit,
                session=session,
                outbox=Outbox(outbox, session),
                keys=registry_keys(runtime),
                now=now,
                new_id=uuid.uuid4,
                recorded_by=officer.officer_id,
                scope=officer.scope,
            )
    except VisitError as exc:
        status = {"household.not_found": 404, "scope.forbidden": 403}.get(exc.code, 422)
        detail: dict[str, object] = {"field": exc.field, "code": exc.code, "message": exc.message}
        raise ApiError(status, exc.code, exc.message, [detail]) from None
    runtime.wake_outbox()
    return {"visit_id": str(visit_id), "warning_id": str(warning_id) if warning_id else None}


@router.get("/visits/coverage")
async def get_coverage(
    request: Request,
    officer: CurrentOfficer,
    region: Annotated[str, Query(description="乡镇或县的12位区划代码")],
    month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")],
) -> dict[str, Any]:
    """Per village: households, visited this month, and the household numbers not yet visited
    (a region inside the officer's)."""
    try:
        region_level(region)
    except RegionCodeError:
        raise ApiError(422, "region_code.format", "区划代码应为12位数字") from None
    in_scope(officer, region, "该区域")
    first = date.fromisoformat(f"{month}-01")
    async with _runtime(request).sessions() as session:
        villages = await coverage_report(session, scope=region, month=first)
    return {
        "region": region,
        "month": month,
        "households": sum(v.households for v in villages),
        "visited": sum(v.visited for v in villages),
        "villages": [
            {
                "region_code": v.region_code,
                "township_name": v.township_name,
                "village_name": v.village_name,
                "households": v.households,
                "visited": v.visited,
                "rate": round(v.rate, 4),
                "not_visited": list(v.not_visited),
            }
            for v in villages
        ],
    }

"""Comparison requests (信息比对) for agencies, and feed health (数据推送情况) for the county."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from shouwang_kit.auth import CurrentOfficer, require_role
from shouwang_kit.messaging import Outbox
from shouwang_kit.web import ApiError
from shouwang_proto.catalogue import load_catalogue

from agency_gateway.adapters.tables import outbox
from agency_gateway.app.comparisons import (
    ComparisonError,
    Finding,
    answer_request,
    open_requests,
)
from agency_gateway.app.feeds import feed_states
from agency_gateway.domain.feeds import previous_period
from agency_gateway.entrypoints.deps import CurrentAgency, RuntimeDep

router = APIRouter(prefix="/v1")


class FindingIn(BaseModel):
    """The answer to one check."""

    model_config = ConfigDict(extra="forbid")

    check: str = Field(max_length=40, description="比对事项代码，如 vehicle")
    found: bool = Field(description="是否查到（如名下有车辆）")
    detail: str = Field(default="", max_length=500, description="说明，如车辆类型与登记年份")


class AnswerIn(BaseModel):
    """An agency's answer to a comparison request."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "findings": [
                        {"check": "vehicle", "found": True, "detail": "小型轿车，2019年登记"}
                    ]
                }
            ]
        },
    )

    findings: list[FindingIn] = Field(min_length=1, max_length=20)


@router.get("/comparison-requests", tags=["comparisons"])
async def get_comparison_requests(
    runtime: RuntimeDep,
    agency: CurrentAgency,
    status: Annotated[Literal["open", "answered"], Query(description="open 待答复")] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Requests waiting for this agency's answer (比对请求), earliest deadline first."""
    async with runtime.sessions() as session:
        items = await open_requests(session, agency, status=status, limit=limit)
    return {"items": items, "count": len(items)}


@router.post("/comparison-requests/{request_id}/result", tags=["comparisons"])
async def post_comparison_result(
    request_id: uuid.UUID, body: AnswerIn, runtime: RuntimeDep, agency: CurrentAgency
) -> dict[str, Any]:
    """Answer a request; the answer flows back to casework. Repeating the same answer is safe."""
    try:
        async with runtime.sessions() as session, session.begin():
            new = await answer_request(
                request_id,
                [Finding(f.check, f.found, f.detail) for f in body.findings],
                agency_code=agency,
                session=session,
                outbox=Outbox(outbox, session),
                now=datetime.now(UTC),
                message_id=uuid.uuid4(),
            )
    except ComparisonError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    runtime.wake_outbox()
    return {"request_id": str(request_id), "status": "answered", "replayed": not new}


@router.get("/feed-health", tags=["feeds"])
async def get_feed_health(
    request: Request,
    runtime: RuntimeDep,
    officer: CurrentOfficer,
    month: Annotated[
        str | None,
        Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="报送月份，缺省为本月"),
    ] = None,
) -> dict[str, Any]:
    """Each agency's monthly list for the month before `month`: on time, late, missing, pending
    (the county office's view, officer token)."""
    require_role(officer, {"county_office", "system"}, "只有县乡村振兴局可以查看各部门的报送情况")
    tz = ZoneInfo(request.app.state.settings.timezone)
    today = datetime.now(tz).date()
    anchor = today if month is None else datetime.strptime(month + "-01", "%Y-%m-%d").date()
    period = previous_period(anchor)
    async with runtime.sessions() as session:
        states = await feed_states(
            session, catalogue=load_catalogue(), period=period, today=today, tz=tz
        )
    names = {a.code: a.name_zh for a in load_catalogue().agencies}
    return {
        "period": period,
        "items": [
            {
                "agency_code": s.agency_code,
                "agency_name": names.get(s.agency_code, s.agency_code),
                "due_on": s.due_on.isoformat(),
                "status": s.status,
                "received_on": s.received_on.isoformat() if s.received_on else None,
            }
            for s in states
        ],
    }

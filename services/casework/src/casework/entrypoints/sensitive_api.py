"""Seeing a household's ID numbers and phones unmasked from a case (查看敏感信息).

The one gate for it: the officer must be allowed to reveal (township or county office), the
case must be in their region, and they must give a reason. The registry (intake) holds the
values encrypted; casework asks it with the officer's own token and records the view in the
hash-chained responsibility trace in the same transaction that answers — no trace, no data.
The values themselves never enter the trace or the logs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from shouwang_kit.auth import CurrentOfficer, require_scope
from shouwang_kit.logs import get_logger
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError
from sqlalchemy import select

from casework.adapters.tables import audit_log, cases
from casework.app.audit import append_audit

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["cases"])
FIELDS = ("id_number", "phone")


class RevealIn(BaseModel):
    """Why the officer needs to see the household's sensitive fields."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=2, max_length=200, description="查看原因（如“入户前电话联系户主”）"
    )


@router.post("/cases/{case_id}/sensitive")
async def reveal_sensitive(
    case_id: uuid.UUID, body: RevealIn, request: Request, officer: CurrentOfficer
) -> dict[str, Any]:
    """The household's members with ID numbers and phones unmasked; the view is audited."""
    if not officer.may_reveal:
        raise ApiError(403, "role.forbidden", "您的角色不能查看未脱敏的身份证号和电话")
    reason = body.reason.strip()
    if len(reason) < 2:
        raise ApiError(422, "reason.required", "请填写查看原因（至少两个字）")
    runtime: ServiceRuntime = request.app.state.runtime
    intake: httpx.AsyncClient = request.app.state.intake
    async with runtime.sessions() as session, session.begin():
        case = (await session.execute(select(cases).where(cases.c.case_id == case_id))).first()
        if case is None:
            raise ApiError(404, "case.not_found", "未找到该案件")
        require_scope(officer, case.region_code, "该案件不在您负责的区域内，无权查看")
        try:
            answer = await intake.post(
                f"/v1/registry/households/{quote(case.household_number)}/sensitive",
                json={"reason": reason},
                headers={"Authorization": request.headers.get("authorization", "")},
            )
        except httpx.HTTPError:
            raise ApiError(
                502, "registry.unavailable", "农户信息库暂时无法访问，请稍后再试"
            ) from None
        if answer.status_code != 200:
            problem = (
                answer.json()
                if answer.headers.get("content-type", "").startswith("application/json")
                else {}
            )
            raise ApiError(
                answer.status_code if answer.status_code < 500 else 502,
                str(problem.get("code", "registry.error")),
                str(problem.get("message", "农户信息库未能提供该户信息")),
            )
        household = answer.json()
        now = datetime.now(UTC)
        seq = await append_audit(
            session,
            actor=officer.officer_id,
            action="sensitive_data_viewed",
            subject=f"case:{case_id}",
            detail={
                "reason": reason,
                "role": officer.role,
                "household_number": case.household_number,
                "fields": list(FIELDS),
                "members": len(household["members"]),
            },
            now=now,
        )
    log.info(
        "case.sensitive_viewed",
        case_id=str(case_id),
        officer_id=officer.officer_id,
        audit_seq=seq,
    )
    return {
        "case_id": str(case_id),
        "household_number": case.household_number,
        "members": household["members"],
        "audit_seq": seq,
        "viewed_at": now.isoformat(),
    }


@router.get("/cases/{case_id}/trace")
async def case_trace(
    case_id: uuid.UUID, request: Request, officer: CurrentOfficer
) -> dict[str, Any]:
    """The case's entries in the responsibility trace (actions and views of sensitive data)."""
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.sessions() as session:
        region = await session.scalar(select(cases.c.region_code).where(cases.c.case_id == case_id))
        if region is None:
            raise ApiError(404, "case.not_found", "未找到该案件")
        require_scope(officer, region, "该案件不在您负责的区域内，无权查看")
        rows = (
            await session.execute(
                select(audit_log)
                .where(audit_log.c.subject == f"case:{case_id}")
                .order_by(audit_log.c.seq)
            )
        ).all()
    return {
        "items": [
            {
                "seq": r.seq,
                "at": r.at.isoformat(),
                "actor": r.actor,
                "action": r.action,
                "detail": r.detail,
                "hash": r.hash,
            }
            for r in rows
        ]
    }

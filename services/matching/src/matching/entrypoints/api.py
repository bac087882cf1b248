"""HTTP API of matching: the decision taken for a warning (officer token; the review queue is
in `reviews_api`) and how far the read model has caught up (counts only, for operators)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from shouwang_kit.auth import CurrentOfficer, require_scope
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError
from sqlalchemy import func, select

from matching.adapters.tables import decisions, households, persons

router = APIRouter(prefix="/v1", tags=["decisions"])


@router.get("/decisions/{warning_id}")
async def get_decision(
    warning_id: uuid.UUID, request: Request, officer: CurrentOfficer
) -> dict[str, Any]:
    """What matching decided for one warning: for officers whose region holds the household it
    was matched to; a decision without a household (review, unmatched) for the county office
    and services."""
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.sessions() as session:
        row = (
            await session.execute(
                select(decisions, households.c.region_code)
                .outerjoin(households, households.c.household_id == decisions.c.household_id)
                .where(decisions.c.warning_id == warning_id)
            )
        ).first()
    if row is None:
        raise ApiError(404, "decision.not_found", "该预警尚未比对或不存在")
    if row.region_code is not None:
        require_scope(officer, row.region_code, "该预警对应的农户不在您负责的区域内，无权查看")
    elif officer.role not in ("county_office", "system"):
        raise ApiError(403, "scope.forbidden", "未匹配到农户的预警只有县乡村振兴局可以查看")
    return {
        "warning_id": str(row.warning_id),
        "outcome": row.outcome,
        "reason_code": row.reason_code,
        "household_id": str(row.household_id) if row.household_id else None,
        "person_id": str(row.person_id) if row.person_id else None,
        "score": row.score,
        "reasons": row.reasons,
        "decided_at": row.decided_at.isoformat(),
    }


@router.get("/read-model", tags=["ops"])
async def get_read_model(request: Request) -> dict[str, int]:
    """How much of intake's registry this service has caught up with."""
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.sessions() as session:
        household_count = await session.scalar(select(func.count()).select_from(households))
        person_count = await session.scalar(select(func.count()).select_from(persons))
    return {"households": household_count or 0, "persons": person_count or 0}

"""HTTP API of matching: the decisions taken (the review queue comes later)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError
from sqlalchemy import func, select

from matching.adapters.tables import decisions, households, persons

router = APIRouter(prefix="/v1", tags=["decisions"])


@router.get("/decisions/{warning_id}")
async def get_decision(warning_id: uuid.UUID, request: Request) -> dict[str, Any]:
    """What matching decided for one warning."""
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.sessions() as session:
        row = (
            await session.execute(select(decisions).where(decisions.c.warning_id == warning_id))
        ).first()
    if row is None:
        raise ApiError(404, "decision.not_found", "该预警尚未比对或不存在")
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

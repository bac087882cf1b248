"""HTTP API of the notifier: what was sent, to whom, with what result."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from shouwang_kit.runtime import ServiceRuntime
from sqlalchemy import select

from notifier.adapters.tables import deliveries

router = APIRouter(prefix="/v1", tags=["deliveries"])


@router.get("/deliveries")
async def list_deliveries(
    request: Request,
    case_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Deliveries, newest first, optionally for one case or in one status."""
    runtime: ServiceRuntime = request.app.state.runtime
    query = select(deliveries).order_by(deliveries.c.created_at.desc()).limit(limit)
    if case_id is not None:
        query = query.where(deliveries.c.case_id == case_id)
    if status is not None:
        query = query.where(deliveries.c.status == status)
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).all()
    items = [
        {
            "delivery_key": r.delivery_key,
            "case_id": str(r.case_id) if r.case_id else None,
            "case_number": r.case_number,
            "channel": r.channel,
            "recipient": r.recipient,
            "message": r.message,
            "status": r.status,
            "attempts": r.attempts,
            "created_at": r.created_at.isoformat(),
            "sent_at": r.sent_at.isoformat() if r.sent_at else None,
            "last_error": r.last_error,
        }
        for r in rows
    ]
    return {"items": items, "count": len(items)}

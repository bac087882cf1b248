"""HTTP API of the notifier: what was sent, to whom, with what result.

Every route takes an officer's bearer token. Officers see the notifications about their region
(a case's village, a digest's officer's region); the county office also those about nothing in
particular (a late agency list) and is the operator who sees dead letters and replays them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from shouwang_kit.auth import CurrentOfficer, Officer, require_role
from shouwang_kit.pii import mask_phone
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError
from sqlalchemy import ColumnElement, or_, select

from notifier.adapters.tables import deliveries
from notifier.app.deliveries import replay

router = APIRouter(prefix="/v1", tags=["deliveries"])
OPERATORS = frozenset({"county_office", "system"})


def _visible(officer: Officer) -> ColumnElement[bool]:
    """The deliveries the officer may see: those about a region inside theirs; the county
    office and the services also those about no region."""
    inside = deliveries.c.region_code.startswith(officer.scope)
    if officer.role in OPERATORS:
        return or_(inside, deliveries.c.region_code.is_(None))
    return inside


def _operator(officer: Officer) -> Officer:
    return require_role(officer, OPERATORS, "只有县乡村振兴局可以查看和重发失败的消息")


@router.get("/deliveries")
async def list_deliveries(
    request: Request,
    officer: CurrentOfficer,
    case_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Deliveries about the officer's region, newest first, optionally for one case or in one
    status."""
    runtime: ServiceRuntime = request.app.state.runtime
    query = (
        select(deliveries)
        .where(_visible(officer))
        .order_by(deliveries.c.created_at.desc())
        .limit(limit)
    )
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
            "recipient": mask_recipient(r.recipient),
            "message": r.message,
            "status": r.status,
            "attempts": r.attempts,
            "created_at": r.created_at.isoformat(),
            "sent_at": r.sent_at.isoformat() if r.sent_at else None,
            "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
            "last_error": r.last_error,
            "provider_code": r.provider_code,
            "officer_id": r.officer_id,
            "channel_step": f"{r.plan_index + 1}/{len(r.plan)}" if r.plan else None,
        }
        for r in rows
    ]
    return {"items": items, "count": len(items)}


def mask_recipient(recipient: str) -> str:
    """Phone numbers masked (138****5678); group and user ids as they are."""
    return mask_phone(recipient) if recipient.isdigit() and len(recipient) >= 7 else recipient


@router.get("/dead-letters")
async def dead_letters(
    request: Request,
    officer: CurrentOfficer,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Deliveries that failed for good or whose fate is unknown, for an operator to replay
    (the county office)."""
    _operator(officer)
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.sessions() as session:
        rows = (
            await session.execute(
                select(deliveries)
                .where(deliveries.c.status.in_(["failed", "unknown"]), _visible(officer))
                .order_by(deliveries.c.created_at.desc())
                .limit(limit)
            )
        ).all()
    return {
        "items": [
            {
                "delivery_key": r.delivery_key,
                "case_number": r.case_number,
                "channel": r.channel,
                "recipient": mask_recipient(r.recipient),
                "status": r.status,
                "provider_code": r.provider_code,
                "last_error": r.last_error,
                "attempts": r.attempts,
            }
            for r in rows
        ]
    }


@router.post("/deliveries/{key}/replay")
async def replay_delivery(key: str, request: Request, officer: CurrentOfficer) -> dict[str, str]:
    """Send a failed or unknown delivery again (the county office, the operator, accepts a
    possible repeat)."""
    _operator(officer)
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.sessions() as session, session.begin():
        known = await session.scalar(
            select(deliveries.c.delivery_key).where(
                deliveries.c.delivery_key == key, _visible(officer)
            )
        )
        if known is None:
            raise ApiError(404, "delivery.not_found", "未找到该消息")
        if not await replay(session, key, datetime.now(UTC)):
            raise ApiError(409, "delivery.not_replayable", "只有失败或状态未知的消息可以重发")
    return {"delivery_key": key, "status": "pending"}

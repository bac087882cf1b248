"""Use cases: comparison requests (信息比对) waiting for an agency, and its answers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shouwang_kit.messaging import Outbox
from shouwang_proto import Envelope
from shouwang_proto.events import ComparisonAnsweredV1, ComparisonFindingV1, ComparisonRequestedV1
from shouwang_proto.topics import COMPARISONS
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from agency_gateway.adapters.tables import comparison_requests


class ComparisonError(Exception):
    """A request that cannot be answered as sent: HTTP status, code, Chinese message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Finding:
    """One answered check."""

    check: str
    found: bool
    detail: str


async def store_request(request: ComparisonRequestedV1, *, session: AsyncSession) -> None:
    """Keep a request for its agency to pull (a repeat is ignored)."""
    await session.execute(
        insert(comparison_requests)
        .values(
            request_id=request.request_id,
            agency_code=request.agency_code,
            case_id=request.case_id,
            case_number=request.case_number,
            household_id=request.household_id,
            person=request.person.model_dump(mode="json"),
            checks=list(request.checks),
            requested_at=request.requested_at,
            due_at=request.due_at,
            status="open",
        )
        .on_conflict_do_nothing()
    )


async def open_requests(
    session: AsyncSession, agency_code: str, *, status: str = "open", limit: int = 100
) -> list[dict[str, Any]]:
    """The agency's requests in a status, oldest deadline first."""
    rows = (
        await session.execute(
            select(comparison_requests)
            .where(
                comparison_requests.c.agency_code == agency_code,
                comparison_requests.c.status == status,
            )
            .order_by(comparison_requests.c.due_at)
            .limit(limit)
        )
    ).all()
    return [
        {
            "request_id": str(r.request_id),
            "case_number": r.case_number,
            "person": r.person,
            "checks": r.checks,
            "requested_at": r.requested_at.isoformat(),
            "due_at": r.due_at.isoformat(),
            "status": r.status,
            "answered_at": r.answered_at.isoformat() if r.answered_at else None,
            "findings": r.findings,
        }
        for r in rows
    ]


async def answer_request(
    request_id: UUID,
    findings: list[Finding],
    *,
    agency_code: str,
    session: AsyncSession,
    outbox: Outbox,
    now: datetime,
    message_id: UUID,
) -> bool:
    """Record an agency's answer and publish it; True if new, False for an identical repeat."""
    row = (
        await session.execute(
            select(comparison_requests)
            .where(
                comparison_requests.c.request_id == request_id,
                comparison_requests.c.agency_code == agency_code,
            )
            .with_for_update()
        )
    ).first()
    if row is None:
        raise ComparisonError(404, "comparison.not_found", "未找到发给本部门的该比对请求")
    answered = [f.__dict__ for f in findings]
    digest = hashlib.sha256(json.dumps(answered, sort_keys=True).encode()).hexdigest()
    if row.status == "answered":
        if row.answer_hash == digest:
            return False
        raise ComparisonError(409, "comparison.already_answered", "该比对请求已答复，不能改答")
    asked = set(row.checks)
    given = [f.check for f in findings]
    if sorted(given) != sorted(asked) or len(set(given)) != len(given):
        raise ComparisonError(
            422,
            "comparison.checks_mismatch",
            f"须对每个比对事项各答复一次：{'、'.join(sorted(asked))}",
        )
    await session.execute(
        update(comparison_requests)
        .where(comparison_requests.c.request_id == request_id)
        .values(status="answered", answered_at=now, findings=answered, answer_hash=digest)
    )
    event = ComparisonAnsweredV1(
        request_id=request_id,
        case_id=row.case_id,
        household_id=row.household_id,
        agency_code=agency_code,
        answered_at=now,
        findings=[ComparisonFindingV1(**f) for f in answered],
    )
    await outbox.add(
        COMPARISONS.name,
        Envelope.wrap(
            event,
            id=message_id,
            time=now,
            source="agency-gateway",
            subject=str(row.household_id),
            correlation_id=request_id,
        ),
    )
    return True

"""Use case: ask the agencies to compare (信息比对) for accepted cases — queued with the
acceptance, sent by a loop that reads the household's members from the registry (so that an
unreachable registry delays the requests, never the acceptance, and loses none)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox
from shouwang_proto import Envelope
from shouwang_proto.catalogue import load_catalogue
from shouwang_proto.events import ComparisonAnsweredV1
from shouwang_proto.topics import COMPARISONS
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters.tables import actions, cases, comparison_pending
from casework.app.audit import append_audit
from casework.domain.comparisons import (
    Member,
    answer_text,
    comparison_requests,
    requested_text,
)

log = get_logger(__name__)
MembersOf = Callable[[str], Awaitable[list[Member]]]  # household number → its members
MAX_BACKOFF_S = 600  # a case whose members cannot be read is tried again at most this often


async def _in_trail(
    session: AsyncSession,
    case_id: UUID,
    action: str,
    *,
    actor: str,
    at: datetime,
    reason: str,
    detail: dict[str, Any],
) -> None:
    """A step in the case's trail (what staff read) and in the responsibility trace."""
    await session.execute(
        insert(actions).values(case_id=case_id, action=action, actor=actor, at=at, reason=reason)
    )
    await append_audit(
        session, actor=actor, action=action, subject=f"case:{case_id}", detail=detail, now=at
    )


async def queue_comparison(
    session: AsyncSession, case_id: UUID, *, due_at: datetime, now: datetime
) -> None:
    """In the acceptance's transaction: the case's requests are to be sent."""
    await session.execute(
        insert(comparison_pending)
        .values(case_id=case_id, due_at=due_at, queued_at=now, next_at=now)
        .on_conflict_do_nothing()
    )


async def send_pending(
    session: AsyncSession,
    outbox: Outbox,
    members_of: MembersOf,
    *,
    now: datetime,
    limit: int = 20,
) -> tuple[int, int]:
    """Send the requests of up to `limit` queued cases; (cases sent, cases that failed and
    stay queued with their error). Several instances may run: each row is taken once."""
    rows = (
        await session.execute(
            select(comparison_pending, cases.c.case_number, cases.c.household_id)
            .join(cases, cases.c.case_id == comparison_pending.c.case_id)
            .add_columns(cases.c.household_number, cases.c.region_code)
            .where(comparison_pending.c.next_at <= now)
            .order_by(comparison_pending.c.next_at)
            .limit(limit)
            .with_for_update(of=comparison_pending, skip_locked=True)
        )
    ).all()
    sent = failed = 0
    catalogue = load_catalogue()
    for row in rows:
        try:
            members = await members_of(row.household_number)
        except Exception as exc:  # the registry unreachable or refusing: try again later
            failed += 1
            wait = timedelta(seconds=min(2 ** (row.attempts + 1), MAX_BACKOFF_S))
            await session.execute(
                update(comparison_pending)
                .where(comparison_pending.c.case_id == row.case_id)
                .values(
                    attempts=comparison_pending.c.attempts + 1,
                    last_error=str(exc)[:500],
                    next_at=now + wait,
                )
            )
            log.warning("comparison.registry_unavailable", case_number=row.case_number)
            continue
        requests = comparison_requests(
            case_id=row.case_id,
            case_number=row.case_number,
            household_id=row.household_id,
            region_code=row.region_code,
            members=members,
            catalogue=catalogue,
            now=now,
            due_at=row.due_at,
        )
        await outbox.add_many(
            COMPARISONS.name,
            [
                Envelope.wrap(
                    request,
                    id=request.request_id,
                    time=now,
                    source="casework",
                    subject=str(row.household_id),
                    correlation_id=row.case_id,
                )
                for request in requests
            ],
        )
        await session.execute(
            delete(comparison_pending).where(comparison_pending.c.case_id == row.case_id)
        )
        # In the case's trail and the responsibility trace: who was sent whose data.
        asked = sorted({r.agency_code for r in requests})
        reason = requested_text(requests, members, catalogue)
        await _in_trail(
            session,
            row.case_id,
            "comparison_requested",
            actor="system",
            at=now,
            reason=reason,
            detail={
                "agencies": asked,
                "requests": len(requests),
                "members": len(members),
                "without_id": sum(not m.id_number for m in members),
            },
        )
        sent += 1
        log.info("comparison.requested", case_number=row.case_number, requests=len(requests))
    return sent, failed


async def record_answer(answer: ComparisonAnsweredV1, *, session: AsyncSession) -> bool:
    """An agency's answer in its case's trail and the responsibility trace; False when the case
    is not casework's (a request made elsewhere)."""
    known = await session.scalar(select(cases.c.case_id).where(cases.c.case_id == answer.case_id))
    if known is None:
        return False
    await _in_trail(
        session,
        answer.case_id,
        "comparison_answered",
        actor=f"agency:{answer.agency_code}",
        at=answer.answered_at,
        reason=answer_text(answer, load_catalogue()),
        detail={
            "request_id": str(answer.request_id),
            "findings": [{"check": f.check, "found": f.found} for f in answer.findings],
        },
    )
    return True

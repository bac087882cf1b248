"""Use case: record downstream outcomes against the warnings an agency sent."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shouwang_proto import Envelope
from shouwang_proto.events import (
    CaseDecidedV1,
    CaseOpenedV1,
    CaseSignalAttachedV1,
    WarningMatchedV1,
    WarningNeedsReviewV1,
    WarningUnmatchedV1,
)
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from agency_gateway.adapters.tables import monitored_households, warnings
from agency_gateway.domain.outcomes import OUTCOME_RANK


async def _advance(
    session: AsyncSession,
    warning_ids: list[UUID],
    outcome: str,
    *,
    now: datetime,
    detail: str | None = None,
    case_number: str | None = None,
) -> None:
    rank = OUTCOME_RANK[outcome]
    values: dict[str, object] = {"outcome": outcome, "outcome_rank": rank, "updated_at": now}
    if detail is not None:
        values["outcome_detail"] = detail
    if case_number is not None:
        values["case_number"] = case_number
    await session.execute(
        update(warnings)
        .where(warnings.c.warning_id.in_(warning_ids), warnings.c.outcome_rank < rank)
        .values(**values)
    )


async def record_outcome(envelope: Envelope, *, session: AsyncSession, now: datetime) -> None:
    """Apply a matching or case event to the warnings it concerns (others are not ours)."""
    event = envelope.parsed()
    if isinstance(event, WarningMatchedV1):
        await _advance(session, [event.warning.warning_id], "matched", now=now)
    elif isinstance(event, WarningNeedsReviewV1):  # county staff decide who it is
        await _advance(session, [event.warning.warning_id], "needs_review", now=now)
    elif isinstance(event, WarningUnmatchedV1):
        # Whatever matching's reason — a valid ID not registered, a broken or missing ID and
        # nobody found by name, county staff deciding in review — the agency is told "not in
        # the registry", with matching's words as the detail. (Its reason code was taken as an
        # outcome of its own when it was not `not_in_registry`: one without a rank, on which
        # the feedback consumer failed, and every later outcome waited behind it.)
        await _advance(
            session,
            [event.warning.warning_id],
            "not_in_registry",
            now=now,
            detail=event.reason,
        )
    elif isinstance(event, CaseOpenedV1):
        ids = [s.warning_id for s in event.signals]
        await _advance(session, ids, "case_opened", now=now, case_number=event.case_number)
    elif isinstance(event, CaseDecidedV1):  # the county's decision on the household's case
        if event.decision == "included":
            await _keep_monitored(session, event)
        await _advance(
            session,
            list(event.warning_ids),
            "confirmed" if event.decision == "included" else "dismissed",
            now=now,
            detail=f"纳入监测：{event.monitor_type}" if event.monitor_type else None,
            case_number=event.case_number,
        )
    elif isinstance(event, CaseSignalAttachedV1):  # confirmed: the household is monitored
        await _advance(
            session,
            [event.signal.warning_id],
            "confirmed" if event.monitored else "case_opened",
            now=now,
            detail="该户已纳入监测" if event.monitored else None,
            case_number=event.case_number,
        )


async def _keep_monitored(session: AsyncSession, event: CaseDecidedV1) -> None:
    """A household included (纳入监测): kept for the agencies' monthly list of new monitored
    households; once per case (a redelivered decision changes nothing)."""
    await session.execute(
        insert(monitored_households)
        .values(
            case_id=event.case_id,
            case_number=event.case_number,
            household_id=event.household_id,
            household_number=event.household_number,
            region_code=event.region_code,
            village_name=event.village_name,
            township_name=event.township_name,
            masked_name=event.masked_name,
            monitor_type=event.monitor_type,
            included_at=event.decided_at,
        )
        .on_conflict_do_nothing(index_elements=[monitored_households.c.case_id])
    )

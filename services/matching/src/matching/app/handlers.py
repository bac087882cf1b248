"""Use cases driven by Kafka: resolve each warning, join it to its household signal, keep the
eligibility flags from comparison answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox
from shouwang_kit.pii import mask_name
from shouwang_proto import Envelope
from shouwang_proto.events import (
    ComparisonAnsweredV1,
    ReviewCandidateV1,
    WarningMatchedV1,
    WarningNeedsReviewV1,
    WarningReceivedV1,
    WarningUnmatchedV1,
)
from shouwang_proto.topics import MATCHING_OUTCOMES
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from matching.adapters.registry_index import RegistryIndex
from matching.adapters.tables import (
    decisions,
    eligibility_flags,
    household_signals,
    households,
    persons,
    reviews,
    signal_warnings,
)
from matching.domain.resolution import Resolution

log = get_logger(__name__)
OUTCOME = {"auto": "matched", "review": "needs_review", "unmatched": "unmatched"}


@dataclass(frozen=True)
class SignalJoin:
    """The household signal a matched warning joined; `repeat` when it was already there."""

    signal_id: UUID
    reasons: list[str]
    flags: list[str]
    repeat: bool


async def join_signal(
    warning: WarningReceivedV1,
    household_id: UUID,
    *,
    session: AsyncSession,
    now: datetime,
    new_id: Callable[[], UUID],
) -> SignalJoin:
    """One signal per household and period: add this warning's reason, or see it is a repeat."""
    period = warning.period or warning.occurred_on.strftime("%Y-%m")
    await session.execute(
        insert(household_signals)
        .values(signal_id=new_id(), household_id=household_id, period=period, opened_at=now)
        .on_conflict_do_nothing()
    )
    signal_id: UUID = (
        await session.scalars(
            select(household_signals.c.signal_id).where(
                household_signals.c.household_id == household_id,
                household_signals.c.period == period,
            )
        )
    ).one()
    added = await session.execute(
        insert(signal_warnings)
        .values(
            signal_id=signal_id,
            warning_id=warning.warning_id,
            agency_code=warning.agency_code,
            signal_type=warning.signal_type,
            source_record_id=warning.source_record_id,
            occurred_on=warning.occurred_on,
        )
        .on_conflict_do_nothing()
        .returning(signal_warnings.c.warning_id)
    )
    repeat = added.first() is None
    reasons = sorted(
        {
            f"{a}:{t}"
            for a, t in (
                await session.execute(
                    select(signal_warnings.c.agency_code, signal_warnings.c.signal_type).where(
                        signal_warnings.c.signal_id == signal_id
                    )
                )
            ).all()
        }
    )
    flags = await household_flags(session, household_id)
    return SignalJoin(signal_id, reasons, flags, repeat)


async def household_flags(session: AsyncSession, household_id: UUID) -> list[str]:
    """The eligibility facts found for a household (车辆, 公职人员, 工商注册 …)."""
    found = await session.scalars(
        select(eligibility_flags.c.check)
        .where(eligibility_flags.c.household_id == household_id, eligibility_flags.c.found)
        .order_by(eligibility_flags.c.check)
    )
    return list(found.all())


async def matched_event(
    warning: WarningReceivedV1,
    *,
    person_id: UUID,
    score: float,
    reasons: list[str],
    method: Literal["exact_id", "review_confirmed", "fuzzy"],
    session: AsyncSession,
    now: datetime,
    new_id: Callable[[], UUID],
) -> WarningMatchedV1 | None:
    """The warning.matched event for a person, or None when it repeats a known source record."""
    row = (
        await session.execute(
            select(persons.c.name, households)
            .join(households, households.c.household_id == persons.c.household_id)
            .where(persons.c.person_id == person_id)
        )
    ).one()
    join = await join_signal(warning, row.household_id, session=session, now=now, new_id=new_id)
    if join.repeat:
        return None
    return WarningMatchedV1(
        warning=warning,
        household_id=row.household_id,
        household_number=row.household_number,
        person_id=person_id,
        region_code=row.region_code,
        village_name=row.village_name,
        township_name=row.township_name,
        masked_name=mask_name(row.name),
        method=method,
        score=score,
        reasons=reasons,
        household_signal_id=join.signal_id,
        signal_reasons=join.reasons,
        eligibility_flags=join.flags,
    )


def _candidates(resolution: Resolution) -> list[dict[str, Any]]:
    return [
        {
            "person_id": str(c.person_id),
            "household_id": str(c.household_id),
            "score": c.score,
            "reasons": list(c.reasons),
        }
        for c in resolution.candidates
    ]


async def publish_outcome(
    payload: WarningMatchedV1 | WarningUnmatchedV1 | WarningNeedsReviewV1,
    *,
    envelope: Envelope,
    outbox: Outbox,
    now: datetime,
    message_id: UUID,
) -> None:
    """Queue an outcome, keyed by household when there is one."""
    subject = (
        str(payload.household_id)
        if isinstance(payload, WarningMatchedV1)
        else str(payload.warning.warning_id)
    )
    await outbox.add(
        MATCHING_OUTCOMES.name,
        Envelope.wrap(
            payload,
            id=message_id,
            time=now,
            source="matching",
            subject=subject,
            correlation_id=envelope.correlation_id,
            causation_id=envelope.id,
        ),
    )


async def resolve_warning(
    envelope: Envelope,
    *,
    session: AsyncSession,
    outbox: Outbox,
    index: RegistryIndex,
    now: datetime,
    new_id: Callable[[], UUID],
) -> None:
    """Decide who a warning is about, record it, and publish matched / needs review / unmatched."""
    warning = envelope.parsed()
    assert isinstance(warning, WarningReceivedV1)
    await index.refresh(session)
    resolution = index.resolver.resolve(warning.person)
    recorded = await session.execute(
        insert(decisions)
        .values(
            warning_id=warning.warning_id,
            outcome=OUTCOME[resolution.verdict],
            reason_code=resolution.reason_code,
            household_id=resolution.household_id,
            person_id=resolution.person_id,
            score=resolution.score,
            reasons=list(resolution.reasons),
            decided_at=now,
        )
        .on_conflict_do_nothing()
        .returning(decisions.c.warning_id)
    )
    if recorded.first() is None:
        log.info("warning.already_decided", warning_id=str(warning.warning_id))
        return
    payload: WarningMatchedV1 | WarningUnmatchedV1 | WarningNeedsReviewV1 | None
    if resolution.verdict == "auto" and resolution.person_id is not None:
        payload = await matched_event(
            warning,
            person_id=resolution.person_id,
            score=resolution.score,
            reasons=list(resolution.reasons),
            method="exact_id" if "id_number:exact" in resolution.reasons else "fuzzy",
            session=session,
            now=now,
            new_id=new_id,
        )
    elif resolution.verdict == "review":
        reason = resolution.reason_zh or "无法自动确定对应人员，请人工核对"
        await session.execute(
            insert(reviews).values(
                warning_id=warning.warning_id,
                state="open",
                envelope=envelope.model_dump(mode="json"),
                candidates=_candidates(resolution),
                reason=reason,
                region_code=warning.person.region_code,
                queued_at=now,
            )
        )
        payload = WarningNeedsReviewV1(
            warning=warning,
            candidates=[
                ReviewCandidateV1(
                    person_id=c.person_id,
                    household_id=c.household_id,
                    score=c.score,
                    reasons=list(c.reasons),
                )
                for c in resolution.candidates
            ],
            reason=reason,
        )
    else:
        payload = WarningUnmatchedV1(
            warning=warning,
            reason_code=resolution.reason_code or "unmatched",
            reason=resolution.reason_zh or "未在农户信息库中找到对应人员",
        )
    if payload is None:
        log.info("warning.repeat_ignored", warning_id=str(warning.warning_id))
        return
    await publish_outcome(payload, envelope=envelope, outbox=outbox, now=now, message_id=new_id())
    log.info(
        "warning.decided",
        warning_id=str(warning.warning_id),
        verdict=resolution.verdict,
        reason_code=resolution.reason_code,
        score=resolution.score,
    )


async def record_comparison(answer: ComparisonAnsweredV1, *, session: AsyncSession) -> None:
    """Keep what an agency found about a household (信息比对) as eligibility flags."""
    for finding in answer.findings:
        values = {
            "agency_code": answer.agency_code,
            "found": finding.found,
            "detail": finding.detail,
            "answered_at": answer.answered_at,
        }
        await session.execute(
            insert(eligibility_flags)
            .values(household_id=answer.household_id, check=finding.check, **values)
            .on_conflict_do_update(
                index_elements=[eligibility_flags.c.household_id, eligibility_flags.c.check],
                set_=values,
            )
        )

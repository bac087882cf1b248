"""Use cases driven by Kafka: keep the registry read model, resolve each warning."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox
from shouwang_kit.pii import keyed_hash, mask_name
from shouwang_proto import Envelope
from shouwang_proto.events import (
    HouseholdSnapshotV1,
    WarningMatchedV1,
    WarningReceivedV1,
    WarningUnmatchedV1,
)
from shouwang_proto.topics import MATCHING_OUTCOMES
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from matching.adapters.tables import decisions, households, persons
from matching.domain.resolution import Decision, RegisteredPerson, decide

log = get_logger(__name__)


async def apply_household_snapshot(
    snapshot: HouseholdSnapshotV1, *, session: AsyncSession, pseudonym_key: str
) -> None:
    """Replace the read model of one household with its latest snapshot."""
    values = {
        "household_number": snapshot.household_number,
        "region_code": snapshot.region_code,
        "village_name": snapshot.village_name,
        "township_name": snapshot.township_name,
        "category": snapshot.category,
        "removed": snapshot.removed,
    }
    await session.execute(
        insert(households)
        .values(household_id=snapshot.household_id, **values)
        .on_conflict_do_update(index_elements=[households.c.household_id], set_=values)
    )
    await session.execute(delete(persons).where(persons.c.household_id == snapshot.household_id))
    for member in snapshot.members:
        row = {
            "household_id": snapshot.household_id,
            "id_hash": keyed_hash(pseudonym_key, member.id_number),
            "name": member.name,
        }
        # A person moving in from another household takes their id hash along.
        await session.execute(
            insert(persons)
            .values(person_id=member.person_id, **row)
            .on_conflict_do_update(index_elements=[persons.c.id_hash], set_=row)
        )


async def _find(
    session: AsyncSession, id_number: str | None, pseudonym_key: str
) -> RegisteredPerson | None:
    if id_number is None:
        return None
    row = (
        await session.execute(
            select(persons, households)
            .join(households, households.c.household_id == persons.c.household_id)
            .where(
                persons.c.id_hash == keyed_hash(pseudonym_key, id_number),
                households.c.removed.is_(False),
            )
        )
    ).first()
    if row is None:
        return None
    return RegisteredPerson(
        person_id=row.person_id,
        household_id=row.household_id,
        household_number=row.household_number,
        name=row.name,
        region_code=row.region_code,
        village_name=row.village_name,
        township_name=row.township_name,
    )


def _outcome_event(
    warning: WarningReceivedV1, decision: Decision
) -> tuple[WarningMatchedV1 | WarningUnmatchedV1, str]:
    if decision.person is not None:
        found = decision.person
        return (
            WarningMatchedV1(
                warning=warning,
                household_id=found.household_id,
                household_number=found.household_number,
                person_id=found.person_id,
                region_code=found.region_code,
                village_name=found.village_name,
                township_name=found.township_name,
                masked_name=mask_name(found.name),
                method="exact_id",
                score=decision.score,
                reasons=list(decision.reasons),
            ),
            str(found.household_id),
        )
    return (
        WarningUnmatchedV1(
            warning=warning,
            reason_code=decision.reason_code or "unmatched",
            reason=decision.reason_zh or "",
        ),
        str(warning.warning_id),
    )


async def resolve_warning(
    envelope: Envelope,
    *,
    session: AsyncSession,
    outbox: Outbox,
    pseudonym_key: str,
    now: datetime,
    new_id: Callable[[], UUID],
) -> None:
    """Decide who a warning is about, record it, and publish matched or unmatched."""
    warning = envelope.parsed()
    assert isinstance(warning, WarningReceivedV1)
    found = await _find(session, warning.person.id_number, pseudonym_key)
    decision = decide(warning.person, found)
    recorded = await session.execute(
        insert(decisions)
        .values(
            warning_id=warning.warning_id,
            outcome=decision.outcome,
            reason_code=decision.reason_code,
            household_id=found.household_id if found else None,
            person_id=found.person_id if found else None,
            score=decision.score,
            reasons=list(decision.reasons),
            decided_at=now,
        )
        .on_conflict_do_nothing()
        .returning(decisions.c.warning_id)
    )
    if recorded.first() is None:
        log.info("warning.already_decided", warning_id=str(warning.warning_id))
        return
    payload, subject = _outcome_event(warning, decision)
    await outbox.add(
        MATCHING_OUTCOMES.name,
        Envelope.wrap(
            payload,
            id=new_id(),
            time=now,
            source="matching",
            subject=subject,
            correlation_id=envelope.correlation_id,
            causation_id=envelope.id,
        ),
    )
    log.info(
        "warning.decided",
        warning_id=str(warning.warning_id),
        outcome=decision.outcome,
        reason_code=decision.reason_code,
        score=decision.score,
    )

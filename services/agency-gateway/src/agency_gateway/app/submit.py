"""Use case: accept one ad-hoc warning, durably and at most once per Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_kit.messaging import Outbox
from shouwang_kit.pii import keyed_hash
from shouwang_proto import Envelope
from shouwang_proto.catalogue import Catalogue
from shouwang_proto.topics import WARNINGS
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from agency_gateway.adapters.tables import outbox, warnings
from agency_gateway.domain.warnings import WarningSubmission, build_warning


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request body."""


@dataclass(frozen=True)
class Accepted:
    """What the agency is told: the warning id, when it was received, whether this is a replay."""

    warning_id: UUID
    received_at: datetime
    replayed: bool


async def _previous(
    session: AsyncSession, agency_code: str, idempotency_key: str, request_hash: str
) -> Accepted | None:
    row = (
        await session.execute(
            select(warnings.c.warning_id, warnings.c.received_at, warnings.c.request_hash).where(
                warnings.c.agency_code == agency_code,
                warnings.c.idempotency_key == idempotency_key,
            )
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise IdempotencyConflict(idempotency_key)
    return Accepted(row.warning_id, row.received_at, replayed=True)


async def submit_warning(
    submission: WarningSubmission,
    *,
    agency_code: str,
    idempotency_key: str | None,
    request_hash: str,
    session: AsyncSession,
    catalogue: Catalogue,
    pseudonym_key: str,
    now: datetime,
    tz: ZoneInfo,
    new_id: UUID,
    message_id: UUID,
) -> Accepted:
    """Validate, record and queue a warning for Kafka in one transaction (the caller commits)."""
    if idempotency_key is not None:
        previous = await _previous(session, agency_code, idempotency_key, request_hash)
        if previous is not None:
            return previous
    payload = build_warning(
        submission,
        agency_code=agency_code,
        catalogue=catalogue,
        warning_id=new_id,
        received_at=now,
        tz=tz,
    )
    inserted = await session.execute(
        insert(warnings)
        .values(
            warning_id=new_id,
            agency_code=agency_code,
            signal_type=payload.signal_type,
            source_record_id=payload.source_record_id,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            received_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=[warnings.c.agency_code, warnings.c.idempotency_key],
            index_where=warnings.c.idempotency_key.is_not(None),
        )
        .returning(warnings.c.warning_id)
    )
    if inserted.first() is None:
        # A concurrent request with the same key committed first.
        assert idempotency_key is not None
        previous = await _previous(session, agency_code, idempotency_key, request_hash)
        assert previous is not None
        return previous
    id_number = payload.person.id_number
    subject = keyed_hash(pseudonym_key, id_number) if id_number else str(new_id)
    envelope = Envelope.wrap(
        payload,
        id=message_id,
        time=now,
        source="agency-gateway",
        subject=subject,
        correlation_id=new_id,
    )
    await Outbox(outbox, session).add(WARNINGS.name, envelope)
    return Accepted(new_id, now, replayed=False)

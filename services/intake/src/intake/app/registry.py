"""Use cases on the registry: upsert a household, read it, republish every snapshot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from shouwang_kit.messaging import Outbox
from shouwang_kit.pii import keyed_hash
from shouwang_proto import Envelope
from shouwang_proto.topics import HOUSEHOLDS
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from intake.adapters.tables import households, members
from intake.domain.registry import HouseholdRecord, MemberRecord, snapshot, validate_household

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert did to one household."""

    household_id: UUID
    outcome: Outcome


async def load_household(session: AsyncSession, household_id: UUID) -> HouseholdRecord:
    """The stored record of one household."""
    row = (
        await session.execute(select(households).where(households.c.household_id == household_id))
    ).one()
    rows = (
        await session.execute(
            select(members)
            .where(members.c.household_id == household_id)
            .order_by(members.c.is_head.desc(), members.c.id_number)
        )
    ).all()
    return HouseholdRecord(
        household_number=row.household_number,
        region_code=row.region_code,
        village_name=row.village_name,
        township_name=row.township_name,
        category=row.category,
        members=tuple(
            MemberRecord(
                id_number=m.id_number,
                name=m.name,
                gender=m.gender,
                birth_date=m.birth_date,
                relation=m.relation,
                phone=m.phone,
                is_head=m.is_head,
            )
            for m in rows
        ),
    )


def _canonical(record: HouseholdRecord) -> HouseholdRecord:
    ordered = sorted(record.members, key=lambda m: (not m.is_head, m.id_number))
    return HouseholdRecord(**{**record.__dict__, "members": tuple(ordered)})


async def publish_snapshot(
    session: AsyncSession,
    outbox: Outbox,
    household_id: UUID,
    *,
    now: datetime,
    message_id: UUID,
) -> None:
    """Queue the current snapshot of a household on the compacted registry topic."""
    record = await load_household(session, household_id)
    ids = {
        m.id_number: m.person_id
        for m in (
            await session.execute(
                select(members.c.id_number, members.c.person_id).where(
                    members.c.household_id == household_id
                )
            )
        ).all()
    }
    payload = snapshot(record, household_id=household_id, person_ids=ids)
    envelope = Envelope.wrap(
        payload,
        id=message_id,
        time=now,
        source="intake",
        subject=str(household_id),
        correlation_id=message_id,
    )
    await outbox.add(HOUSEHOLDS.name, envelope)


async def upsert_household(
    record: HouseholdRecord,
    *,
    session: AsyncSession,
    outbox: Outbox,
    pseudonym_key: str,
    now: datetime,
    new_id: Callable[[], UUID],
) -> UpsertResult:
    """Create or update a household by its number; unchanged input publishes nothing."""
    record = _canonical(validate_household(record))
    existing = (
        await session.execute(
            select(households.c.household_id, households.c.revision)
            .where(households.c.household_number == record.household_number)
            .with_for_update()
        )
    ).first()
    if existing is not None:
        household_id: UUID = existing.household_id
        if _canonical(await load_household(session, household_id)) == record:
            return UpsertResult(household_id, "unchanged")
        await session.execute(
            update(households)
            .where(households.c.household_id == household_id)
            .values(
                region_code=record.region_code,
                village_name=record.village_name,
                township_name=record.township_name,
                category=record.category,
                revision=existing.revision + 1,
                updated_at=now,
            )
        )
        outcome: Outcome = "updated"
    else:
        household_id = new_id()
        await session.execute(
            insert(households).values(
                household_id=household_id,
                household_number=record.household_number,
                region_code=record.region_code,
                village_name=record.village_name,
                township_name=record.township_name,
                category=record.category,
                revision=1,
                updated_at=now,
            )
        )
        outcome = "created"
    hashes = {m.id_number: keyed_hash(pseudonym_key, m.id_number) for m in record.members}
    await session.execute(
        delete(members).where(
            members.c.household_id == household_id, members.c.id_hash.not_in(hashes.values())
        )
    )
    # A person listed elsewhere moves here (分户/合户): same person id, the old household changes.
    moved_from = {
        row.household_id
        for row in (
            await session.execute(
                select(members.c.household_id).where(
                    members.c.id_hash.in_(hashes.values()), members.c.household_id != household_id
                )
            )
        ).all()
    }
    for member in record.members:
        values = {
            "household_id": household_id,
            "id_number": member.id_number,
            "name": member.name,
            "gender": member.gender,
            "birth_date": member.birth_date,
            "relation": member.relation,
            "phone": member.phone,
            "is_head": member.is_head,
        }
        await session.execute(
            insert(members)
            .values(person_id=new_id(), id_hash=hashes[member.id_number], **values)
            .on_conflict_do_update(index_elements=[members.c.id_hash], set_=values)
        )
    await publish_snapshot(session, outbox, household_id, now=now, message_id=new_id())
    for other in moved_from:
        await publish_snapshot(session, outbox, other, now=now, message_id=new_id())
    return UpsertResult(household_id, outcome)


async def republish_all(
    *, session: AsyncSession, outbox: Outbox, now: datetime, new_id: Callable[[], UUID]
) -> int:
    """Queue a fresh snapshot of every household (to rebuild other services' read models)."""
    ids = (await session.scalars(select(households.c.household_id))).all()
    for household_id in ids:
        await publish_snapshot(session, outbox, household_id, now=now, message_id=new_id())
    return len(ids)

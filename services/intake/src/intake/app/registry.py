"""Use cases on the registry: upsert a household, read it, republish every snapshot.

ID numbers, phones and health facts go through the field cipher on their way in and out; members
are found by the keyed hash of their ID number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from shouwang_kit.crypto import FieldCipher
from shouwang_kit.messaging import Outbox
from shouwang_kit.pii import keyed_hash
from shouwang_proto import Envelope
from shouwang_proto.events import HouseholdSnapshotV1
from shouwang_proto.topics import HOUSEHOLDS
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from intake.adapters.tables import households, members
from intake.domain.registry import (
    HouseholdRecord,
    MemberRecord,
    canonical,
    content_digest,
    merge_partial,
    snapshot,
    validate_household,
)

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class Keys:
    """The secrets the registry works with: the pseudonym key and the field cipher."""

    pseudonym_key: str
    cipher: FieldCipher

    def id_hash(self, id_number: str) -> str:
        """The lookup key of an ID number."""
        return keyed_hash(self.pseudonym_key, id_number)

    def digest(self, record: HouseholdRecord) -> str:
        """The content digest of a household record."""
        return content_digest(record, lambda text: keyed_hash(self.pseudonym_key, text))


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert did to one household; `moved_from` are households that lost members."""

    household_id: UUID
    outcome: Outcome
    moved_from: frozenset[UUID] = frozenset()


def household_values(record: HouseholdRecord, keys: Keys) -> dict[str, Any]:
    """The household columns of a record (without ids, revision and time)."""
    return {
        "region_code": record.region_code,
        "village_name": record.village_name,
        "township_name": record.township_name,
        "category": record.category,
        "monitor_type": record.monitor_type,
        "lifted_year": record.lifted_year,
        "declared_size": record.declared_size,
        "income_per_head": record.income_per_head,
        "income_year": record.income_year,
        "status": record.status,
        "risk_type": record.risk_type,
        "risk_reason": record.risk_reason,
        "officer_name": record.officer_name,
        "officer_phone_enc": keys.cipher.encrypt_optional(
            record.officer_phone, field="officer_phone"
        ),
        "content_hash": keys.digest(record),
    }


def member_values(member: MemberRecord, household_id: UUID, keys: Keys) -> dict[str, Any]:
    """The member columns of a record (without person_id)."""
    cipher = keys.cipher
    return {
        "household_id": household_id,
        "id_hash": keys.id_hash(member.id_number),
        "id_enc": cipher.encrypt(member.id_number, field="id_number"),
        "name": member.name,
        "gender": member.gender,
        "birth_date": member.birth_date,
        "relation": member.relation,
        "phone_enc": cipher.encrypt_optional(member.phone, field="phone"),
        "is_head": member.is_head,
        "labour": member.labour,
        "disability": member.disability,
        "health_enc": cipher.encrypt_optional(member.health, field="health"),
        "schooling": member.schooling,
    }


async def load_household(
    session: AsyncSession, household_id: UUID, keys: Keys
) -> tuple[HouseholdRecord, dict[str, UUID]]:
    """The stored record of one household and its person ids by ID number."""
    row = (
        await session.execute(select(households).where(households.c.household_id == household_id))
    ).one()
    rows = (
        await session.execute(select(members).where(members.c.household_id == household_id))
    ).all()
    decrypt = keys.cipher.decrypt_optional
    people = [
        (
            m.person_id,
            MemberRecord(
                id_number=keys.cipher.decrypt(m.id_enc, field="id_number"),
                name=m.name,
                gender=m.gender,
                birth_date=m.birth_date,
                relation=m.relation,
                phone=decrypt(m.phone_enc, field="phone"),
                is_head=m.is_head,
                labour=m.labour,
                disability=m.disability,
                health=decrypt(m.health_enc, field="health"),
                schooling=m.schooling,
            ),
        )
        for m in rows
    ]
    record = HouseholdRecord(
        household_number=row.household_number,
        region_code=row.region_code,
        village_name=row.village_name,
        township_name=row.township_name,
        category=row.category,
        members=tuple(m for _, m in people),
        monitor_type=row.monitor_type,
        lifted_year=row.lifted_year,
        declared_size=row.declared_size,
        income_per_head=None if row.income_per_head is None else float(row.income_per_head),
        income_year=row.income_year,
        status=row.status,
        risk_type=row.risk_type,
        risk_reason=row.risk_reason,
        officer_name=row.officer_name,
        officer_phone=decrypt(row.officer_phone_enc, field="officer_phone"),
    )
    return canonical(record), {m.id_number: pid for pid, m in people}


def snapshot_envelope(
    record: HouseholdRecord,
    *,
    household_id: UUID,
    person_ids: dict[str, UUID],
    now: datetime,
    message_id: UUID,
) -> Envelope:
    """The household.snapshot event of a record, keyed by household."""
    return Envelope.wrap(
        snapshot(record, household_id=household_id, person_ids=person_ids),
        id=message_id,
        time=now,
        source="intake",
        subject=str(household_id),
        correlation_id=message_id,
    )


async def publish_snapshot(
    session: AsyncSession,
    outbox: Outbox,
    household_id: UUID,
    *,
    keys: Keys,
    now: datetime,
    message_id: UUID,
) -> None:
    """Queue the current snapshot of a household on the compacted registry topic."""
    record, person_ids = await load_household(session, household_id, keys)
    envelope = snapshot_envelope(
        record, household_id=household_id, person_ids=person_ids, now=now, message_id=message_id
    )
    await outbox.add(HOUSEHOLDS.name, envelope)


async def upsert_household(
    record: HouseholdRecord,
    *,
    session: AsyncSession,
    outbox: Outbox,
    keys: Keys,
    now: datetime,
    new_id: Callable[[], UUID],
    members_complete: bool = True,
) -> UpsertResult:
    """Create or update a household by its number; unchanged input publishes nothing.

    With `members_complete`, the record's members are the household's whole membership (a
    member list); without, only the listed members are added or updated (a roster of heads).
    A person listed elsewhere moves here (分户/合户): same person id, the old household changes.
    """
    record = canonical(validate_household(record))
    existing = (
        await session.execute(
            select(households.c.household_id, households.c.revision, households.c.content_hash)
            .where(households.c.household_number == record.household_number)
            .with_for_update()
        )
    ).first()
    if existing is not None:
        household_id: UUID = existing.household_id
        if members_complete and existing.content_hash == keys.digest(record):
            return UpsertResult(household_id, "unchanged")
        stored, _ = await load_household(session, household_id, keys)
        if not members_complete:
            record = canonical(merge_partial(stored, record))
        if stored == record:
            return UpsertResult(household_id, "unchanged")
        await session.execute(
            update(households)
            .where(households.c.household_id == household_id)
            .values(
                **household_values(record, keys), revision=existing.revision + 1, updated_at=now
            )
        )
        outcome: Outcome = "updated"
    else:
        household_id = new_id()
        await session.execute(
            insert(households).values(
                household_id=household_id,
                household_number=record.household_number,
                revision=1,
                updated_at=now,
                **household_values(record, keys),
            )
        )
        outcome = "created"
    hashes = [keys.id_hash(m.id_number) for m in record.members]
    await session.execute(
        delete(members).where(
            members.c.household_id == household_id, members.c.id_hash.not_in(hashes)
        )
    )
    moved_from = frozenset(
        (
            await session.scalars(
                select(members.c.household_id).where(
                    members.c.id_hash.in_(hashes), members.c.household_id != household_id
                )
            )
        ).all()
    )
    for member in record.members:
        values = member_values(member, household_id, keys)
        await session.execute(
            insert(members)
            .values(person_id=new_id(), **values)
            .on_conflict_do_update(index_elements=[members.c.id_hash], set_=values)
        )
    await publish_snapshot(session, outbox, household_id, keys=keys, now=now, message_id=new_id())
    for other in moved_from:
        await refresh_after_move(session, outbox, other, keys=keys, now=now, new_id=new_id)
    return UpsertResult(household_id, outcome, moved_from)


async def refresh_after_move(
    session: AsyncSession,
    outbox: Outbox,
    household_id: UUID,
    *,
    keys: Keys,
    now: datetime,
    new_id: Callable[[], UUID],
) -> None:
    """A household that lost members: new digest and revision, and a fresh snapshot."""
    remaining = await session.scalar(
        select(members.c.person_id).where(members.c.household_id == household_id).limit(1)
    )
    if remaining is None:  # everyone moved away: the household is merged into another (合户)
        number = await session.scalar(
            select(households.c.household_number).where(households.c.household_id == household_id)
        )
        await session.execute(delete(households).where(households.c.household_id == household_id))
        await outbox.add(
            HOUSEHOLDS.name,
            removed_envelope(household_id, str(number), now=now, message_id=new_id()),
        )
        return
    record, _ = await load_household(session, household_id, keys)
    await session.execute(
        update(households)
        .where(households.c.household_id == household_id)
        .values(
            content_hash=keys.digest(record), revision=households.c.revision + 1, updated_at=now
        )
    )
    await publish_snapshot(session, outbox, household_id, keys=keys, now=now, message_id=new_id())


def removed_envelope(
    household_id: UUID, number: str, *, now: datetime, message_id: UUID
) -> Envelope:
    """The snapshot that tells read models a household left the registry (merged away)."""
    payload = HouseholdSnapshotV1(
        household_id=household_id,
        household_number=number,
        region_code="000000000000",
        village_name="",
        township_name="",
        category="ordinary",
        members=[],
        removed=True,
    )
    return Envelope.wrap(
        payload,
        id=message_id,
        time=now,
        source="intake",
        subject=str(household_id),
        correlation_id=message_id,
    )


async def republish_all(
    *,
    session: AsyncSession,
    outbox: Outbox,
    keys: Keys,
    now: datetime,
    new_id: Callable[[], UUID],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Queue a fresh snapshot of every household (to rebuild other services' read models)."""
    ids: Iterable[UUID] = (await session.scalars(select(households.c.household_id))).all()
    count = 0
    for household_id in ids:
        await publish_snapshot(
            session, outbox, household_id, keys=keys, now=now, message_id=new_id()
        )
        count += 1
        if progress is not None:
            progress(1)
    return count

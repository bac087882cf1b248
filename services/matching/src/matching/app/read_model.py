"""Keeping matching's read model of the registry from intake's household snapshots."""

from __future__ import annotations

from shouwang_kit.crypto import FieldCipher
from shouwang_kit.pii import keyed_hash
from shouwang_proto.events import HouseholdSnapshotV1
from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from matching.adapters.tables import households, person_seq, persons


async def apply_household_snapshot(
    snapshot: HouseholdSnapshotV1,
    *,
    session: AsyncSession,
    pseudonym_key: str,
    cipher: FieldCipher,
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
    present = [m.person_id for m in snapshot.members]
    # Members gone from the household leave the index (unless a later snapshot lists them again).
    await session.execute(
        update(persons)
        .where(
            persons.c.household_id == snapshot.household_id,
            persons.c.person_id.not_in(present) if present else persons.c.person_id.isnot(None),
            persons.c.removed.is_(False),
        )
        .values(removed=True, seq=person_seq.next_value())
    )
    for member in snapshot.members:
        row = {
            "household_id": snapshot.household_id,
            "id_hash": keyed_hash(pseudonym_key, member.id_number),
            "id_enc": cipher.encrypt(member.id_number, field="id_number"),
            "name": member.name,
            "gender": member.gender,
            "birth_date": member.birth_date,
            "phone_enc": cipher.encrypt_optional(member.phone, field="phone"),
            "region_code": snapshot.region_code,
            "removed": snapshot.removed,
            "seq": person_seq.next_value(),
        }
        # A person moving in from another household keeps their person id and id hash.
        await session.execute(
            insert(persons)
            .values(person_id=member.person_id, **row)
            .on_conflict_do_update(index_elements=[persons.c.person_id], set_=row)
        )


async def count_persons(session: AsyncSession) -> int:
    """Persons in the read model that are still registered."""
    return int(
        await session.scalar(
            func.count().select().select_from(persons).where(persons.c.removed.is_(False))
        )
        or 0
    )

"""The in-memory resolver, kept in step with the `persons` read model.

Every write to `persons` takes the next `seq`; before resolving, the index reads the rows written
since it last looked. Every instance of the service therefore sees every registry change, even
though the registry topic's partitions are shared out between instances.

With the persons come their households' places (number, village, township), which a matched
warning's outcome carries: a household's snapshot writes every member again (the next `seq`
each), so a household renamed or moved is read again with its members. A household's place
is forgotten when its last member moves out or leaves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any, NamedTuple
from uuid import UUID

from shouwang_kit.crypto import FieldCipher
from shouwang_kit.db import driver_connection
from shouwang_kit.gc_tuning import collection_paused
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.adapters.tables import SCHEMA, persons
from matching.domain.resolution import PersonRecord, Resolver

# Rows a page; a refresh whose first page is full is a load (a million persons are ~8 million
# objects), run with the collector paused.
BATCH = 20_000


class HouseholdPlace(NamedTuple):
    """Where a household is, as a matched warning's outcome says it (with the household id's
    text, written once here: `str()` of a UUID is Python code, a microsecond each time)."""

    household_id: str
    household_number: str
    region_code: str
    village_name: str
    township_name: str


class RegistryIndex:
    """A resolver plus the last `seq` it has seen."""

    def __init__(self, resolver: Resolver, cipher: FieldCipher, *, page: int = BATCH) -> None:
        self.resolver = resolver
        self.cipher = cipher
        self.page = page
        self.last_seq = 0
        # Households of the persons read, by household id as an integer (`UUID.int`: hashing a
        # UUID is Python code), one object per household.
        self.places: dict[int, HouseholdPlace] = {}
        self._shared: dict[str, str] = {}  # region codes and place names, one object each
        # The consumer and the keep-fresh loop both refresh: one at a time, or a slow one could
        # apply an older page over a newer one.
        self._lock = asyncio.Lock()

    async def keep_fresh(
        self, sessions: async_sessionmaker[AsyncSession], every_s: float = 1.0
    ) -> None:
        """Load the registry at start-up (not in the first poll of warnings) and follow it."""
        while True:
            async with sessions() as session:
                await self.refresh(session)
            await asyncio.sleep(every_s)

    async def refresh(self, session: AsyncSession) -> int:
        """Apply the rows written since the last refresh; returns how many."""
        async with self._lock:
            return await self._refresh(session)

    async def _refresh(self, session: AsyncSession) -> int:
        rows, homes = await self._page(session)
        # A full first page is a load (start-up, a county's import): millions of long-lived
        # objects, which each young collection on the way would walk again, for no garbage.
        with collection_paused() if len(rows) == self.page else nullcontext():
            applied = 0
            while True:
                self._apply(rows, homes)
                applied += len(rows)
                if len(rows) < self.page:
                    return applied
                rows, homes = await self._page(session)

    async def _page(
        self, session: AsyncSession
    ) -> tuple[Sequence[Row[Any]], dict[UUID, HouseholdPlace]]:
        """The next page of persons, and their households' places by household id.

        Two statements, the second only for a page with rows: the consumer refreshes before
        every poll, nearly always to find nothing, and one statement joining the households
        was planned as a hash join over all of them (11 ms a poll in the consumer bench,
        pg_stat_statements), where the persons alone are an index search on `seq`."""
        rows = (
            await session.execute(
                select(persons)
                .where(persons.c.seq > self.last_seq)
                .order_by(persons.c.seq)
                .limit(self.page)
            )
        ).all()
        if not rows:
            return rows, {}
        raw = await driver_connection(session)
        found = await raw.fetch(_SELECT_HOUSEHOLDS, list({row.household_id for row in rows}))
        shared = self._shared  # a county has a few hundred villages
        return rows, {
            home[0]: HouseholdPlace(  # one per household, whatever its members on the page
                str(home[0]),
                home[1],
                shared.setdefault(home[2], home[2]),
                shared.setdefault(home[3], home[3]),
                shared.setdefault(home[4], home[4]),
            )
            for home in found
        }

    def _apply(self, rows: Sequence[Row[Any]], homes: dict[UUID, HouseholdPlace]) -> None:
        resolver = self.resolver
        for row in rows:
            left = resolver.household_of(row.person_id)  # before: a person may move or leave
            if row.removed or row.id_enc is None:
                resolver.remove(row.person_id)
            else:
                place = homes.get(row.household_id)
                if place is not None and self.places.get(row.household_id.int) != place:
                    self.places[row.household_id.int] = place
                resolver.upsert(
                    PersonRecord(
                        person_id=row.person_id,
                        household_id=row.household_id,
                        id_number=self.cipher.decrypt(row.id_enc, field="id_number"),
                        name=row.name,
                        gender=row.gender,
                        birth_date=row.birth_date,
                        village_code=row.region_code,
                        phone=self.cipher.decrypt_optional(row.phone_enc, field="phone"),
                    )
                )
            if left is not None and not resolver.has_household(left):
                self.places.pop(left.int, None)  # its last member moved out or left
            self.last_seq = row.seq


_SELECT_HOUSEHOLDS = f"""
SELECT household_id, household_number, region_code, village_name, township_name
FROM {SCHEMA}.households WHERE household_id = ANY($1::uuid[])
"""

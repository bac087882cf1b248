"""Deciding who a warning is about (pure): the resolver interface the service drives, and the
exact-ID resolver (a valid ID number found in the registry, the name agreeing).

The service keeps a resolver in memory, fed with every registry person (`upsert` / `remove`)
and asked about each warning (`resolve`). Any resolver that keeps this shape can stand in.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol
from uuid import UUID

from shouwang_proto.events import PersonRef

Verdict = Literal["auto", "review", "unmatched"]


@dataclass(frozen=True)
class PersonRecord:
    """A registry person as the resolver sees them."""

    person_id: UUID
    household_id: UUID
    id_number: str
    name: str
    gender: str | None = None
    birth_date: date | None = None
    village_code: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A person a warning may be about, with a score in [0, 1] and the reasons."""

    person_id: UUID
    household_id: UUID
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    """The verdict on one warning: auto-matched, for review, or not in the registry."""

    verdict: Verdict
    score: float
    reasons: tuple[str, ...]
    person_id: UUID | None = None
    household_id: UUID | None = None
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)
    reason_code: str | None = None
    reason_zh: str | None = None


class Resolver(Protocol):
    """What the service needs of a resolver."""

    def upsert(self, person: PersonRecord) -> None:
        """Add a person, or replace what is known of them."""

    def remove(self, person_id: UUID) -> None:
        """Forget a person (left the registry)."""

    def resolve(self, person: PersonRef) -> Resolution:
        """Decide who a warning's person is."""


def same_name(a: str, b: str) -> bool:
    """Equal after NFKC and trimming."""
    return unicodedata.normalize("NFKC", a).strip() == unicodedata.normalize("NFKC", b).strip()


NO_ID = Resolution(
    "unmatched",
    0.0,
    ("id_number:missing",),
    reason_code="no_id_number",
    reason_zh="预警信息未提供身份证号码，需人工比对",
)
NOT_FOUND = Resolution(
    "unmatched",
    0.0,
    ("id_number:not_in_registry",),
    reason_code="not_in_registry",
    reason_zh="身份证号码不在监测对象及农户信息库中，可能为未录入农户",
)


class ExactIdResolver:
    """Matches on an exact, valid ID number; a name that disagrees sends it to review."""

    def __init__(self) -> None:
        self._by_id: dict[str, PersonRecord] = {}
        self._ids: dict[UUID, str] = {}

    def upsert(self, person: PersonRecord) -> None:
        """Index a person by ID number."""
        self.remove(person.person_id)
        self._by_id[person.id_number] = person
        self._ids[person.person_id] = person.id_number

    def remove(self, person_id: UUID) -> None:
        """Drop a person from the index."""
        id_number = self._ids.pop(person_id, None)
        known = self._by_id.get(id_number) if id_number is not None else None
        if known is not None and known.person_id == person_id:
            del self._by_id[known.id_number]

    def __len__(self) -> int:
        return len(self._by_id)

    def resolve(self, person: PersonRef) -> Resolution:
        """Exact ID → auto when the name agrees, review when it does not."""
        if person.id_number is None:
            return NO_ID
        found = self._by_id.get(person.id_number)
        if found is None:
            return NOT_FOUND
        if same_name(person.name, found.name):
            return Resolution(
                "auto",
                1.0,
                ("id_number:exact", "name:equal"),
                found.person_id,
                found.household_id,
                (Candidate(found.person_id, found.household_id, 1.0, ("id_number:exact",)),),
            )
        candidate = Candidate(found.person_id, found.household_id, 0.6, ("id_number:exact",))
        return Resolution(
            "review",
            0.6,
            ("id_number:exact", "name:differs"),
            candidates=(candidate,),
            reason_code="name_differs",
            reason_zh="身份证号码一致但姓名不一致，请人工核对",
        )

"""Deciding who a warning is about (pure): the resolver interface the service drives.

The service keeps a resolver in memory (the linker, `domain/linker/`), fed with every registry
person (`upsert` / `remove`) and asked about each warning (`resolve`).
"""

from __future__ import annotations

from dataclasses import dataclass
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


class Candidate:
    """A person a warning may be about, with a score in [0, 1] and the reasons."""

    def __init__(
        self, person_id: UUID, household_id: UUID, score: float, reasons: tuple[str, ...]
    ) -> None:
        self.person_id = person_id
        self.household_id = household_id
        self.score = score
        self.reasons = reasons

    def __repr__(self) -> str:
        return f"Candidate({self.person_id}, score={self.score})"


class Resolution:
    """The verdict on one warning: auto-matched, for review, or not in the registry; not
    changed once built.

    Plain classes, this and `Candidate` (one or more are built for every warning): the
    compiled linker builds them natively, where a named tuple's constructor is Python code
    and a frozen dataclass's slower still."""

    def __init__(
        self,
        verdict: Verdict,
        score: float,
        reasons: tuple[str, ...],
        person_id: UUID | None = None,
        household_id: UUID | None = None,
        candidates: tuple[Candidate, ...] = (),
        reason_code: str | None = None,
        reason_zh: str | None = None,
        person_name: str | None = None,
    ) -> None:
        self.verdict = verdict
        self.score = score
        self.reasons = reasons
        self.person_id = person_id
        self.household_id = household_id
        self.candidates = candidates
        self.reason_code = reason_code
        self.reason_zh = reason_zh
        # The registry's name of the person matched (auto): the outcome's masked name,
        # without reading the person again.
        self.person_name = person_name

    def __repr__(self) -> str:  # no name: it is personal data
        return f"Resolution({self.verdict!r}, score={self.score}, person_id={self.person_id})"


class Resolver(Protocol):
    """What the service needs of a resolver."""

    def upsert(self, person: PersonRecord) -> None:
        """Add a person, or replace what is known of them."""

    def remove(self, person_id: UUID) -> None:
        """Forget a person (left the registry)."""

    def household_of(self, person_id: UUID) -> UUID | None:
        """The household a known person is in (None: not known)."""

    def has_household(self, household_id: UUID) -> bool:
        """True while a known person is in the household."""

    def resolve(self, person: PersonRef) -> Resolution:
        """Decide who a warning's person is."""

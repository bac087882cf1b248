"""Deciding who a warning is about (pure): the resolver interface the service drives.

The service keeps a resolver in memory (the linker, `domain/linker/`), fed with every registry
person (`upsert` / `remove`) and asked about each warning (`resolve`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, NamedTuple, Protocol
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


class Candidate(NamedTuple):
    """A person a warning may be about, with a score in [0, 1] and the reasons."""

    person_id: UUID
    household_id: UUID
    score: float
    reasons: tuple[str, ...]


class Resolution(NamedTuple):
    """The verdict on one warning: auto-matched, for review, or not in the registry.

    Named tuples, this and `Candidate`: some are built for every warning, and a frozen
    dataclass takes three times as long to build."""

    verdict: Verdict
    score: float
    reasons: tuple[str, ...]
    person_id: UUID | None = None
    household_id: UUID | None = None
    candidates: tuple[Candidate, ...] = ()
    reason_code: str | None = None
    reason_zh: str | None = None
    # The registry's name of the person matched (auto): the outcome's masked name, without
    # reading the person again.
    person_name: str | None = None


class Resolver(Protocol):
    """What the service needs of a resolver."""

    def upsert(self, person: PersonRecord) -> None:
        """Add a person, or replace what is known of them."""

    def remove(self, person_id: UUID) -> None:
        """Forget a person (left the registry)."""

    def resolve(self, person: PersonRef) -> Resolution:
        """Decide who a warning's person is."""

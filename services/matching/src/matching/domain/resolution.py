"""Deciding who a warning is about (pure): the resolver interface the service drives.

The service keeps a resolver in memory (the linker, `domain/linker/`), fed with every registry
person (`upsert` / `remove`) and asked about each warning (`resolve`).
"""

from __future__ import annotations

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

"""Deciding who a warning is about (pure). The skeleton resolves by exact ID number only."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from shouwang_proto.events import PersonRef


@dataclass(frozen=True)
class RegisteredPerson:
    """A registry person found for a warning, with their household."""

    person_id: UUID
    household_id: UUID
    household_number: str
    name: str
    region_code: str
    village_name: str
    township_name: str


@dataclass(frozen=True)
class Decision:
    """The outcome for one warning, with its score and the reasons behind it."""

    outcome: Literal["matched", "unmatched"]
    score: float
    reasons: tuple[str, ...]
    person: RegisteredPerson | None = None
    reason_code: str | None = None
    reason_zh: str | None = None


def _same_name(a: str, b: str) -> bool:
    return unicodedata.normalize("NFKC", a).strip() == unicodedata.normalize("NFKC", b).strip()


def decide(person: PersonRef, found: RegisteredPerson | None) -> Decision:
    """Matched when the (already checksum-validated) ID number is in the registry."""
    if person.id_number is None:
        return Decision(
            outcome="unmatched",
            score=0.0,
            reasons=("no id_number",),
            reason_code="no_id_number",
            reason_zh="预警信息未提供身份证号码，需人工比对",
        )
    if found is None:
        return Decision(
            outcome="unmatched",
            score=0.0,
            reasons=("id_number not in registry",),
            reason_code="not_in_registry",
            reason_zh="身份证号码不在监测对象及农户信息库中，可能为未录入农户",
        )
    reasons = ["id_number exact"]
    score = 1.0
    if _same_name(person.name, found.name):
        reasons.append("name agrees")
    else:
        reasons.append("name differs")
        score = 0.9
    return Decision(outcome="matched", score=score, reasons=tuple(reasons), person=found)

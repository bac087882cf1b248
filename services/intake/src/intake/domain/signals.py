"""Warnings that start in intake: self-declarations (农户自主申报) and cadre visit findings.

The reasons follow the ten key groups of the county's screening (十类重点群体, seeds/002); a
household's own declaration is group ①, so its reason is one of the other nine.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from shouwang_proto.catalogue import load_catalogue
from shouwang_proto.events import PersonRef, WarningReceivedV1

SELF_DECLARATION = "self_declaration"
CADRE_VISIT = "cadre_visit"


def _reasons(channel: str) -> dict[str, str]:
    agency = load_catalogue().agency(channel)
    assert agency is not None and agency.channel == "intake", channel
    return {s.code: s.name_zh for s in agency.signals}


# From the shared catalogue, where the other services find their names (messages, screens).
REASONS: dict[str, str] = _reasons(CADRE_VISIT)
assert _reasons(SELF_DECLARATION) == REASONS, "both channels take the same reasons"


def intake_warning(
    *,
    kind: str,
    warning_id: UUID,
    reason: str,
    person: PersonRef,
    occurred_on: date,
    received_at: datetime,
    source_record_id: str,
    description: str,
    photos: int = 0,
) -> WarningReceivedV1:
    """The warning.received event of a declaration or a visit finding (same path as agencies)."""
    if reason not in REASONS:
        raise ValueError(reason)
    return WarningReceivedV1(
        warning_id=warning_id,
        source_kind="self_declaration" if kind == SELF_DECLARATION else "cadre_visit",
        agency_code=kind,
        signal_type=reason,
        source_record_id=source_record_id,
        period=occurred_on.strftime("%Y-%m"),
        occurred_on=occurred_on,
        person=person,
        details={"reason_text": REASONS[reason], "description": description[:500]}
        | ({"photos": photos} if photos else {}),
        received_at=received_at,
    )

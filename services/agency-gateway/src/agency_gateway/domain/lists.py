"""Monthly lists: which row is which across resubmissions, and what changed (pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from shouwang_kit.pii import keyed_hash
from shouwang_proto.events import WarningReceivedV1

RowStatus = Literal["new", "changed", "unchanged", "rejected", "removed"]


def person_ref(warning: WarningReceivedV1, pseudonym_key: str) -> str:
    """A pseudonym for the person: keyed hash of the ID number, else of name and birth date."""
    person = warning.person
    who = person.id_number or f"{person.name}|{person.birth_date}"
    return keyed_hash(pseudonym_key, who)


def row_key(warning: WarningReceivedV1, person: str) -> str:
    """Identity of a row within an agency's list for a period.

    The agency's own record id when it sends one; otherwise the person (`person_ref`) and the
    signal type.
    """
    if warning.source_record_id:
        return "rec:" + hashlib.sha256(warning.source_record_id.encode()).hexdigest()
    return f"{warning.signal_type}:{person}"


def content_hash(warning: WarningReceivedV1, payload_json: str | None = None) -> str:
    """What the row says, independent of when it arrived and the id it was given.

    `payload_json` (the warning's `model_dump_json()`, already made for the event) saves a
    second serialisation: its first field is the warning id and its last the arrival time, so
    cutting both off gives the very text `model_dump_json(exclude=…)` would.
    """
    content = _without_id_and_time(payload_json) if payload_json else None
    if content is None:
        content = warning.model_dump_json(exclude={"warning_id", "received_at"})
    return hashlib.sha256(content.encode()).hexdigest()


_ID_HEAD = len('{"warning_id":"00000000-0000-0000-0000-000000000000",')


def _without_id_and_time(payload_json: str) -> str | None:
    tail = payload_json.rfind(',"received_at":')
    if not payload_json.startswith('{"warning_id":"') or tail < _ID_HEAD:
        return None
    return "{" + payload_json[_ID_HEAD:tail] + "}"


@dataclass(frozen=True)
class PreviousRow:
    """A row of the same list as last accepted."""

    content_hash: str
    warning_id: UUID
    batch_id: UUID


def classify(
    key: str,
    digest: str,
    previous: PreviousRow | None,
    *,
    batch_id: UUID,
    seen_in_chunk: set[str],
) -> Literal["new", "changed", "unchanged", "duplicate"]:
    """Compare one row with the list as it stood: new, changed, unchanged, or a repeat."""
    if key in seen_in_chunk or (previous is not None and previous.batch_id == batch_id):
        return "duplicate"
    if previous is None:
        return "new"
    return "unchanged" if previous.content_hash == digest else "changed"

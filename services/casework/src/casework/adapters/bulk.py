"""Set-based reads and COPY writes for a consumer batch, straight on the driver connection
under the session's transaction (SQLAlchemy's per-row parameter building was most of the
batch's time in the profile)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Table

from casework.adapters.tables import SCHEMA, case_number_seq, cases, signals

_KNOWN_SIGNALS = (
    f"SELECT warning_id FROM {SCHEMA}.{signals.name} WHERE warning_id = ANY($1::uuid[])"
)
# FOR UPDATE: a concurrent batch attaching to the same case waits for this one; a concurrent
# *opening* is caught by the partial unique index (one open case per household) at COPY time.
_OPEN_CASES = (
    f"SELECT household_id, case_id, case_number, status FROM {SCHEMA}.{cases.name}"
    " WHERE household_id = ANY($1::uuid[]) AND is_open FOR UPDATE"
)
_NUMBERS = f"SELECT nextval('{SCHEMA}.{case_number_seq.name}') FROM generate_series(1, $1)"

CASE_COLUMNS = (
    "case_id",
    "case_number",
    "household_id",
    "household_number",
    "region_code",
    "village_name",
    "township_name",
    "masked_name",
    "status",
    "is_open",
    "opened_at",
)
CLOCK_COLUMNS = (
    "clock_id",
    "case_id",
    "kind",
    "rule",
    "state",
    "started_at",
    "due_at",
    "provisional",
)
SIGNAL_COLUMNS = (
    "warning_id",
    "case_id",
    "agency_code",
    "signal_type",
    "occurred_on",
    "attached_at",
)
ACTION_COLUMNS = ("case_id", "action", "actor", "at", "reason")


async def known_warnings(connection: Any, warning_ids: Sequence[UUID]) -> set[UUID]:
    """Which of these warnings are already attached to a case."""
    return {r[0] for r in await connection.fetch(_KNOWN_SIGNALS, list(warning_ids))}


async def lock_open_cases(
    connection: Any, household_ids: Iterable[UUID]
) -> dict[UUID, tuple[UUID, str, str]]:
    """household → (case id, case number, status) of its open case, row-locked until commit."""
    rows = await connection.fetch(_OPEN_CASES, list(household_ids))
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


async def next_case_numbers(connection: Any, count: int) -> list[int]:
    """`count` fresh values of the county-wide case number sequence."""
    if count <= 0:
        return []
    return [int(r[0]) for r in await connection.fetch(_NUMBERS, count)]


async def copy_rows(
    connection: Any, table: Table, columns: Sequence[str], records: list[tuple[Any, ...]]
) -> None:
    """COPY rows into one of casework's tables (columns not named take their defaults)."""
    if records:
        await connection.copy_records_to_table(
            table.name, schema_name=SCHEMA, columns=list(columns), records=records
        )


__all__ = [
    "ACTION_COLUMNS",
    "CASE_COLUMNS",
    "CLOCK_COLUMNS",
    "SIGNAL_COLUMNS",
    "copy_rows",
    "known_warnings",
    "lock_open_cases",
    "next_case_numbers",
]

"""Turning a chunk of list rows into what gets stored and sent (CPU only, no I/O).

Runs inline or in a worker process, so that parsing and database writes use both cores.
Everything it returns is plain data (cheap to pass between processes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shouwang_kit.gc_tuning import collect_young_less_often
from shouwang_kit.ids import uuid4_texts
from shouwang_kit.pii import mask_id_number, mask_name
from shouwang_proto import encode_event
from shouwang_proto.catalogue import load_catalogue

from agency_gateway.domain.lists import content_hash, person_ref, row_key
from agency_gateway.domain.rows import RowRejected, submission_from_record
from agency_gateway.domain.warnings import WarningRejected, build_warning, check_person


@dataclass(frozen=True)
class ParseContext:
    """Whose list, which month, and the secrets and clock the rows need."""

    agency_code: str
    period: str
    default_signal_type: str | None
    pseudonym_key: str
    now: datetime
    tz: ZoneInfo  # the county's: whose "today" no date may be after


@dataclass(slots=True)
class ParsedRow:
    """One row: rejected with its errors, or ready to store (and maybe to send)."""

    number: int
    status: str
    signal_type: str | None
    key: str | None = None
    digest: str | None = None
    warning_id: str | None = None
    source_record_id: str | None = None
    masked_name: str | None = None
    masked_id: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    message: tuple[str, str, bytes] | None = None  # (message id, key, envelope bytes)

    def packed(self) -> tuple[Any, ...]:
        """The row as a tuple of plain values, `ParsedRow(*packed)` again on the other side.

        What crosses from the parse worker: pickling a list of plain tuples is a C loop, while
        a class with `__reduce__` costs a Python call per row (that was a fifth of the parse
        worker's time, and unpickling objects a fifth of the API process's)."""
        return (
            self.number,
            self.status,
            self.signal_type,
            self.key,
            self.digest,
            self.warning_id,
            self.source_record_id,
            self.masked_name,
            self.masked_id,
            self.errors,
            self.message,
        )


def parse_row(
    number: int, record: dict[str, Any], ctx: ParseContext, ids: Iterator[str] | None = None
) -> ParsedRow:
    """Validate one mapped record and build its warning event."""
    ids = ids or uuid4_texts(2)
    warning_id = next(ids)
    try:
        submission = submission_from_record(
            record, default_signal_type=ctx.default_signal_type, period=ctx.period
        )
        warning = build_warning(
            submission,
            agency_code=ctx.agency_code,
            catalogue=load_catalogue(),
            warning_id=warning_id,
            received_at=ctx.now,
            tz=ctx.tz,
        )
    except (RowRejected, WarningRejected) as exc:
        errors = list(exc.errors)
        if isinstance(exc, RowRejected) and exc.person is not None:
            # Report the person's problems too, not only the unreadable cells.
            check_person(exc.person, ctx.now.astimezone(ctx.tz).date(), errors)
        signal = record.get("signal_type", ctx.default_signal_type)
        return ParsedRow(number, "rejected", str(signal or ""), errors=[e.__dict__ for e in errors])
    person = person_ref(warning, ctx.pseudonym_key)
    subject = person if warning.person.id_number else warning_id
    message_id = next(ids)
    payload_json = warning.model_dump_json()
    value = encode_event(
        warning,
        id=message_id,
        time=ctx.now,
        source="agency-gateway",
        subject=subject,
        correlation_id=warning_id,
        payload_json=payload_json,
    )
    id_number = warning.person.id_number
    return ParsedRow(
        number,
        "pending",
        warning.signal_type,
        key=row_key(warning, person),
        digest=content_hash(warning, payload_json),
        warning_id=warning_id,
        source_record_id=warning.source_record_id,
        masked_name=mask_name(warning.person.name),
        masked_id=mask_id_number(id_number) if id_number else None,
        message=(message_id, subject, value),
    )


def parse_chunk(records: list[tuple[int, dict[str, Any]]], ctx: ParseContext) -> list[ParsedRow]:
    """Parse a chunk of rows, in order."""
    ids = uuid4_texts(2 * len(records))
    return [parse_row(number, record, ctx, ids) for number, record in records]


def warm_up(gc_gen0_threshold: int = 0) -> None:
    """Load what parsing needs (modules, catalogue, converters) before the first list arrives.

    Submitted to each worker at start-up: otherwise the first upload waits for the worker's
    start and imports (about half a second) in the middle of its first chunk. With a threshold,
    the worker collects young garbage that much less often, as the service itself does."""
    collect_young_less_often(gc_gen0_threshold)
    ctx = ParseContext(
        "warm-up", "2026-01", None, "warm-up", datetime(2026, 1, 2, tzinfo=UTC), ZoneInfo("UTC")
    )
    record = {"name": "張三", "id_number": "11010519491231002X", "occurred_on": "2026-01-01"}
    parse_row(1, record, ctx)


def parse_chunk_packed(
    records: list[tuple[int, dict[str, Any]]], ctx: ParseContext
) -> list[tuple[Any, ...]]:
    """`parse_chunk` for a worker process: each row as `ParsedRow.packed()`."""
    return [row.packed() for row in parse_chunk(records, ctx)]

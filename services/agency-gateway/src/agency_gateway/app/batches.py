"""Use case: ingest a monthly list row by row, durably, reporting every row."""

from __future__ import annotations

import asyncio
import collections
import json
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_kit.db import driver_connection
from shouwang_proto.topics import WARNINGS
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agency_gateway.adapters.tables import SCHEMA, batch_rows, batches, list_rows
from agency_gateway.app.row_parser import ParseContext, ParsedRow, parse_chunk, parse_chunk_packed
from agency_gateway.domain.lists import PreviousRow, classify
from agency_gateway.domain.rows import HeaderMap

Record = tuple[int, dict[str, object]]
_DUPLICATE_ZH = "与本名单中前面的某一行重复（同一人同一预警类型或同一记录编号）"
_WARNING_COLUMNS = (
    "warning_id",
    "agency_code",
    "signal_type",
    "source_record_id",
    "request_hash",
    "received_at",
    "batch_id",
    "row_number",
    "outcome",
    "outcome_rank",
)
_LIST_COLUMNS = (
    "agency_code",
    "period",
    "row_key",
    "content_hash",
    "warning_id",
    "batch_id",
    "row_number",
    "masked_name",
    "masked_id",
    "signal_type",
)
# A row new to the list is COPYed straight in (the advisory lock on agency and period means no
# other upload adds it meanwhile); a row the list had is updated in one statement per chunk.
# An INSERT … ON CONFLICT merge from a staging table cost three times as much per row.
_UPDATE_LIST_ROWS = f"""
UPDATE {SCHEMA}.list_rows AS l
SET content_hash = u.content_hash, warning_id = u.warning_id, batch_id = $3,
    row_number = u.row_number
FROM unnest($4::text[], $5::text[], $6::uuid[], $7::int[])
  AS u(row_key, content_hash, warning_id, row_number)
WHERE l.agency_code = $1 AND l.period = $2 AND l.row_key = u.row_key
"""
_REPORT_COLUMNS = (
    "batch_id",
    "row_number",
    "status",
    "row_key",
    "warning_id",
    "signal_type",
    "masked_name",
    "masked_id",
    "errors",
)


class BatchIdempotencyConflict(Exception):
    """The Idempotency-Key was used before for a different file."""


class TooManyRows(Exception):
    """The list has more rows than one upload may carry."""


@dataclass(frozen=True)
class BatchRequest:
    """What an agency uploads: whose list, for which month, in which format."""

    agency_code: str
    period: str
    default_signal_type: str | None
    fmt: str
    filename: str | None
    idempotency_key: str | None
    body_sha256: str


@dataclass
class Counts:
    """Row counts of one upload."""

    received: int = 0
    rejected: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


async def find_batch(
    session: AsyncSession, agency_code: str, idempotency_key: str, body_sha256: str
) -> UUID | None:
    """An earlier upload with this key: its id if the file is the same, else a conflict."""
    row = (
        await session.execute(
            select(batches.c.batch_id, batches.c.body_sha256).where(
                batches.c.agency_code == agency_code,
                batches.c.idempotency_key == idempotency_key,
            )
        )
    ).first()
    if row is None:
        return None
    if row.body_sha256 != body_sha256:
        raise BatchIdempotencyConflict(idempotency_key)
    batch_id: UUID = row.batch_id
    return batch_id


class BatchIngest:
    """Reads a list's rows in chunks; each chunk is one transaction (rows + outbox)."""

    def __init__(
        self,
        request: BatchRequest,
        *,
        batch_id: UUID,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        pseudonym_key: str,
        now: datetime,
        tz: ZoneInfo,
        max_rows: int,
        chunk_size: int = 2000,
        executor: Executor | None = None,
        parallel: int = 1,
    ) -> None:
        self.request = request
        self.batch_id = batch_id
        self._engine = engine
        self._sessions = sessions
        self._key = pseudonym_key
        self._now = now
        self._max_rows = max_rows
        self._chunk = chunk_size
        self._executor = executor
        self._parallel = parallel
        self.counts = Counts()
        self.headers = HeaderMap()
        self._ctx = ParseContext(
            agency_code=request.agency_code,
            period=request.period,
            default_signal_type=request.default_signal_type,
            pseudonym_key=pseudonym_key,
            now=now,
            tz=tz,
        )

    async def open(self) -> None:
        """Record the batch as being processed."""
        r = self.request
        async with self._sessions() as session, session.begin():
            await session.execute(
                insert(batches).values(
                    batch_id=self.batch_id,
                    agency_code=r.agency_code,
                    period=r.period,
                    default_signal_type=r.default_signal_type,
                    format=r.fmt,
                    filename=r.filename,
                    idempotency_key=r.idempotency_key,
                    body_sha256=r.body_sha256,
                    status="processing",
                    received_at=self._now,
                )
            )

    async def run(self, records: Iterable[Record]) -> Counts:
        """Ingest every row, then report the rows the previous list had and this one lacks."""
        lock = zlib.crc32(f"list:{self.request.agency_code}:{self.request.period}".encode())
        async with self._engine.connect() as conn:
            # One upload per agency and period at a time: resubmissions are compared in order.
            await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock})
            try:
                await self._pipeline(iter(records))
                await self._report_removed()
                await self._finish("completed", None)
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock})
        return self.counts

    async def fail(self, error: str) -> None:
        """Mark the batch failed (rows already committed stay; a re-upload sees them unchanged)."""
        await self._finish("failed", error)

    def _chunks(self, records: Iterator[Record]) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        chunk: list[tuple[int, dict[str, Any]]] = []
        for number, raw in records:
            self.counts.received += 1
            if self.counts.received > self._max_rows:
                raise TooManyRows(self._max_rows)
            chunk.append((number, self.headers.record(raw)))
            if len(chunk) >= self._chunk:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    async def _pipeline(self, records: Iterator[Record]) -> None:
        """Parse the next chunks (in the workers) while the oldest one is written, in order."""
        loop = asyncio.get_running_loop()
        in_flight: collections.deque[asyncio.Future[list[tuple[Any, ...]]]] = collections.deque()
        for chunk in self._chunks(records):
            if self._executor is None:
                await self._store(parse_chunk(chunk, self._ctx))
                continue
            in_flight.append(
                loop.run_in_executor(self._executor, parse_chunk_packed, chunk, self._ctx)
            )
            if len(in_flight) > self._parallel:
                await self._store([ParsedRow(*row) for row in await in_flight.popleft()])
        while in_flight:
            await self._store([ParsedRow(*row) for row in await in_flight.popleft()])

    async def _store(self, chunk: list[ParsedRow]) -> None:
        r = self.request
        keys = [row.key for row in chunk if row.key]
        async with self._sessions() as session, session.begin():
            raw = await driver_connection(session)
            previous = {
                p["row_key"]: PreviousRow(p["content_hash"], p["warning_id"], p["batch_id"])
                for p in await raw.fetch(
                    f"SELECT row_key, content_hash, warning_id, batch_id FROM {SCHEMA}.list_rows"
                    " WHERE agency_code = $1 AND period = $2 AND row_key = ANY($3::text[])",
                    r.agency_code,
                    r.period,
                    keys,
                )
            }
            seen: set[str] = set()
            to_send: list[ParsedRow] = []
            for row in chunk:
                if row.status == "rejected":
                    self.counts.rejected += 1
                    continue
                assert row.key is not None and row.digest is not None
                verdict = classify(
                    row.key,
                    row.digest,
                    previous.get(row.key),
                    batch_id=self.batch_id,
                    seen_in_chunk=seen,
                )
                seen.add(row.key)
                if verdict == "duplicate":
                    row.status = "rejected"
                    row.errors = [
                        {
                            "field": "row",
                            "code": "row.duplicate",
                            "message": _DUPLICATE_ZH,
                        }
                    ]
                    self.counts.rejected += 1
                    continue
                row.status = verdict
                setattr(self.counts, verdict, getattr(self.counts, verdict) + 1)
                if verdict == "unchanged":
                    row.warning_id = str(previous[row.key].warning_id)
                else:
                    to_send.append(row)
            await self._write(session, chunk, to_send)

    async def _write(
        self, session: AsyncSession, chunk: list[ParsedRow], to_send: list[ParsedRow]
    ) -> None:
        r = self.request
        # Binary COPY inside the transaction: the bulk of a list's cost is these rows.
        raw = await driver_connection(session)
        if to_send:
            await raw.copy_records_to_table(
                "warnings",
                schema_name=SCHEMA,
                columns=_WARNING_COLUMNS,
                records=[
                    (
                        row.warning_id,
                        r.agency_code,
                        row.signal_type,
                        row.source_record_id,
                        row.digest,
                        self._now,
                        self.batch_id,
                        row.number,
                        "accepted",
                        0,
                    )
                    for row in to_send
                ],
            )
            await raw.copy_records_to_table(
                "outbox",
                schema_name=SCHEMA,
                columns=("message_id", "topic", "key", "value", "created_at"),
                records=[self._outbox_row(row) for row in to_send],
            )
        await raw.copy_records_to_table(
            "batch_rows",
            schema_name=SCHEMA,
            columns=_REPORT_COLUMNS,
            records=[self._report_row(row) for row in chunk],
        )
        fresh = [row for row in chunk if row.status == "new"]
        if fresh:
            await raw.copy_records_to_table(
                "list_rows",
                schema_name=SCHEMA,
                columns=_LIST_COLUMNS,
                records=[
                    (
                        r.agency_code,
                        r.period,
                        row.key,
                        row.digest,
                        row.warning_id,
                        self.batch_id,
                        row.number,
                        row.masked_name,
                        row.masked_id,
                        row.signal_type,
                    )
                    for row in fresh
                ],
            )
        known = [row for row in chunk if row.status in ("changed", "unchanged")]
        if known:
            await raw.execute(
                _UPDATE_LIST_ROWS,
                r.agency_code,
                r.period,
                self.batch_id,
                [row.key for row in known],
                [row.digest for row in known],
                [row.warning_id for row in known],
                [row.number for row in known],
            )

    def _outbox_row(self, row: ParsedRow) -> tuple[Any, ...]:
        assert row.message is not None
        message_id, subject, value = row.message
        return (message_id, WARNINGS.name, subject, value, self._now)

    def _report_row(self, row: ParsedRow) -> tuple[Any, ...]:
        errors = json.dumps(row.errors, ensure_ascii=False) if row.errors else "[]"
        return (
            self.batch_id,
            row.number,
            row.status,
            row.key,
            row.warning_id,
            row.signal_type,
            row.masked_name,
            row.masked_id,
            errors,
        )

    async def _report_removed(self) -> None:
        r = self.request
        async with self._sessions() as session, session.begin():
            gone = (
                await session.execute(
                    delete(list_rows)
                    .where(
                        list_rows.c.agency_code == r.agency_code,
                        list_rows.c.period == r.period,
                        list_rows.c.batch_id != self.batch_id,
                    )
                    .returning(list_rows)
                )
            ).all()
            if gone:
                await session.execute(
                    insert(batch_rows),
                    [
                        {
                            "batch_id": self.batch_id,
                            "row_number": None,
                            "status": "removed",
                            "row_key": g.row_key,
                            "warning_id": g.warning_id,
                            "signal_type": g.signal_type,
                            "masked_name": g.masked_name,
                            "masked_id": g.masked_id,
                            "errors": [],
                        }
                        for g in gone
                    ],
                )
            self.counts.removed = len(gone)

    async def _finish(self, status: str, error: str | None) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(batches)
                .where(batches.c.batch_id == self.batch_id)
                .values(
                    status=status,
                    completed_at=func.now(),
                    counts=self.counts.as_dict(),
                    unknown_columns=self.headers.unknown,
                    error=error,
                )
            )

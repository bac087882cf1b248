"""Importing a registry export (CSV or XLSX): streamed, idempotent, with a per-row error report.

Two passes, so memory stays flat however large the file and however its rows are ordered:
1. read the file row by row; check each row; stage valid rows (encrypted) keyed by household,
   record rejected rows with their errors;
2. walk the staged rows household by household (in chunks, one transaction per chunk) and
   apply each household: unchanged ones cost one digest comparison, new ones are written in
   bulk, changed ones (and splits / merges) go through the per-household upsert.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox
from shouwang_kit.tabular import UnreadableFile, file_records
from shouwang_proto.topics import HOUSEHOLDS
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake.adapters.tables import (
    households,
    import_errors,
    import_staging,
    imports,
    members,
    regions,
)
from intake.app.registry import (
    Keys,
    household_values,
    member_values,
    snapshot_envelope,
    upsert_household,
)
from intake.domain.regions import Region
from intake.domain.registry import HouseholdRecord, RegistryError, canonical
from intake.domain.roster import (
    PersonRow,
    RowError,
    RowRejected,
    assemble,
    map_headers,
    missing_columns,
    person_row,
    row_from_json,
    row_to_json,
)

log = get_logger(__name__)
STAGE_BATCH = 2000
HOUSEHOLDS_PER_CHUNK = 500


class ImportRejected(ValueError):
    """The file as a whole cannot be imported: machine code and Chinese message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ImportSummary:
    """What an import did, in persons (rows) and households."""

    import_id: UUID
    received: int = 0  # rows read
    rejected: int = 0  # rows refused (see the error report)
    created: int = 0  # households
    updated: int = 0
    unchanged: int = 0
    moved: int = 0  # households that lost members to a split or merge
    unknown_columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportContext:
    """What an import needs from the outside world."""

    sessions: async_sessionmaker[AsyncSession]
    outbox_table: Table
    keys: Keys
    today: date
    now: Callable[[], datetime]
    new_id: Callable[[], UUID]
    progress: Callable[[str, int], None] | None = None  # (phase, rows or households done)


def file_sha256(path: Path) -> str:
    """The file's SHA-256, recorded so an operator can tell a repeated upload."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


async def begin_import(
    path: Path,
    *,
    ctx: ImportContext,
    actor: str,
    import_id: UUID | None = None,
    name: str | None = None,
) -> ImportSummary:
    """Record a new import as running (so its status can be asked for at once)."""
    summary = ImportSummary(import_id=import_id or ctx.new_id())
    async with ctx.sessions() as session, session.begin():
        await session.execute(
            insert(imports).values(
                import_id=summary.import_id,
                file_name=(name or path.name)[:255],
                sha256=file_sha256(path),
                actor=actor,
                state="running",
                received=0,
                rejected=0,
                created=0,
                updated=0,
                unchanged=0,
                moved=0,
                started_at=ctx.now(),
            )
        )
    return summary


async def run_import(path: Path, *, ctx: ImportContext, summary: ImportSummary) -> ImportSummary:
    """Read, check and apply a begun import; ImportRejected if the file as a whole is unusable."""
    try:
        await _stage(path, ctx, summary)
        await _apply(ctx, summary)
    except ImportRejected as exc:
        await _finish(ctx, summary, state="failed", error=f"{exc.code}: {exc.message}")
        raise
    except Exception as exc:
        await _finish(ctx, summary, state="failed", error=type(exc).__name__)
        raise
    await _finish(ctx, summary, state="done", error=None)
    log.info(
        "registry.imported",
        import_id=str(summary.import_id),
        received=summary.received,
        rejected=summary.rejected,
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        moved=summary.moved,
    )
    return summary


async def import_file(path: Path, *, ctx: ImportContext, actor: str) -> ImportSummary:
    """Import one registry export from start to end (the CLI)."""
    summary = await begin_import(path, ctx=ctx, actor=actor)
    return await run_import(path, ctx=ctx, summary=summary)


def _mapped_rows(path: Path, summary: ImportSummary) -> Iterator[tuple[int, dict[str, object]]]:
    try:
        records = file_records(path, lambda header: len(map_headers(header)[0]) >= 2)
        mapping: dict[str, str] | None = None
        for number, cells in records:
            if mapping is None:
                mapping, summary.unknown_columns = map_headers(list(cells))
                if missing := missing_columns(set(mapping.values())):
                    raise ImportRejected("file.columns", "文件缺少必需的列：" + "；".join(missing))
            yield number, {name: cells.get(column) for column, name in mapping.items()}
    except UnreadableFile as exc:
        raise ImportRejected(exc.code, exc.message) from None


async def _stage(path: Path, ctx: ImportContext, summary: ImportSummary) -> None:
    staged: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []

    async def flush() -> None:
        async with ctx.sessions() as session, session.begin():
            if staged:
                await session.execute(insert(import_staging), staged)
            if errors:
                await session.execute(insert(import_errors), errors)
        staged.clear()
        errors.clear()
        if ctx.progress is not None:
            ctx.progress("read", summary.received)

    for number, cells in _mapped_rows(path, summary):
        summary.received += 1
        try:
            row = person_row(number, cells, today=ctx.today)
        except RowRejected as exc:
            summary.rejected += 1
            errors.extend(_error_rows(summary.import_id, number, exc.errors))
        else:
            key = row.household_key
            if key.startswith("head:"):  # never an ID number in clear, not even in staging
                key = "head:" + ctx.keys.id_hash(row.head_id)
            staged.append(
                {
                    "import_id": summary.import_id,
                    "household_key": key,
                    "row_number": number,
                    "payload_enc": ctx.keys.cipher.encrypt(row_to_json(row), field="import_row"),
                }
            )
        if len(staged) + len(errors) >= STAGE_BATCH:
            await flush()
    if summary.received == 0:
        raise ImportRejected("file.empty", "文件中没有数据行")
    await flush()


def _error_rows(import_id: UUID, number: int, errors: list[RowError]) -> list[dict[str, Any]]:
    return [
        {
            "import_id": import_id,
            "row_number": number,
            "seq": seq,
            "field": e.field,
            "code": e.code,
            "message": e.message,
        }
        for seq, e in enumerate(errors)
    ]


async def _region_lookup(ctx: ImportContext) -> Callable[[str, str], str | None]:
    async with ctx.sessions() as session:
        village = regions.alias("village")
        town = regions.alias("town")
        rows = (
            await session.execute(
                select(town.c.name, village.c.name, village.c.code)
                .join(town, town.c.code == village.c.parent_code)
                .where(village.c.level == 5)
            )
        ).all()
    table = {(t, v): code for t, v, code in rows}
    return lambda township, village_name: table.get((township, village_name))


async def _apply(ctx: ImportContext, summary: ImportSummary) -> None:
    region_of = await _region_lookup(ctx)
    last = ""
    done = 0
    while True:
        async with ctx.sessions() as session, session.begin():
            keys = (
                await session.scalars(
                    select(import_staging.c.household_key)
                    .where(
                        import_staging.c.import_id == summary.import_id,
                        import_staging.c.household_key > last,
                    )
                    .group_by(import_staging.c.household_key)
                    .order_by(import_staging.c.household_key)
                    .limit(HOUSEHOLDS_PER_CHUNK)
                )
            ).all()
            if not keys:
                break
            last = keys[-1]
            rows = (
                await session.execute(
                    select(import_staging.c.household_key, import_staging.c.payload_enc)
                    .where(
                        import_staging.c.import_id == summary.import_id,
                        import_staging.c.household_key.in_(keys),
                    )
                    .order_by(import_staging.c.household_key, import_staging.c.row_number)
                )
            ).all()
            groups: dict[str, list[PersonRow]] = {}
            for key, payload in rows:
                text = ctx.keys.cipher.decrypt(payload, field="import_row")
                groups.setdefault(key, []).append(row_from_json(text))
            await _apply_chunk(session, ctx, summary, list(groups.values()), region_of)
        done += len(keys)
        if ctx.progress is not None:
            ctx.progress("apply", done)
    async with ctx.sessions() as session, session.begin():
        await session.execute(
            delete(import_staging).where(import_staging.c.import_id == summary.import_id)
        )


async def _apply_chunk(
    session: AsyncSession,
    ctx: ImportContext,
    summary: ImportSummary,
    groups: list[list[PersonRow]],
    region_of: Callable[[str, str], str | None],
) -> None:
    assembled: list[tuple[HouseholdRecord, bool, list[PersonRow]]] = []
    for rows in groups:
        result = assemble(rows, region_of)
        for number, errs in result.errors.items():
            summary.rejected += 1
            await session.execute(
                insert(import_errors), _error_rows(summary.import_id, number, errs)
            )
        if result.record is not None:
            assembled.append((result.record, result.members_complete, rows))
    heads = {ctx.keys.id_hash(r.head_id): r for _, _, rows in assembled for r in rows if r.is_head}
    head_homes = await _households_of_heads(session, list(heads))
    records: list[tuple[HouseholdRecord, bool]] = []
    for record, complete, rows in assembled:
        if not record.household_number:
            head = next(r for r in rows if r.is_head)
            home = head_homes.get(ctx.keys.id_hash(head.id_number))
            record = _with_number(record, home or _derived_number(ctx.keys, head.id_number))
        records.append((canonical(record), complete))
    await _write(session, ctx, summary, records)


def _with_number(record: HouseholdRecord, number: str) -> HouseholdRecord:
    return replace(record, household_number=number)


def _derived_number(keys: Keys, head_id: str) -> str:
    """A stable 户编号 for a household a roster names only by its head (no number in the file)."""
    return "HZ" + keys.id_hash(head_id)[:16].upper()


async def _households_of_heads(session: AsyncSession, head_hashes: list[str]) -> dict[str, str]:
    if not head_hashes:
        return {}
    rows = await session.execute(
        select(members.c.id_hash, households.c.household_number)
        .join(households, households.c.household_id == members.c.household_id)
        .where(members.c.id_hash.in_(head_hashes), members.c.is_head)
    )
    return {h: n for h, n in rows.all()}


async def _write(
    session: AsyncSession,
    ctx: ImportContext,
    summary: ImportSummary,
    records: list[tuple[HouseholdRecord, bool]],
) -> None:
    numbers = [r.household_number for r, _ in records]
    stored = {
        n: h
        for n, h in (
            await session.execute(
                select(households.c.household_number, households.c.content_hash).where(
                    households.c.household_number.in_(numbers)
                )
            )
        ).all()
    }
    hashes = [ctx.keys.id_hash(m.id_number) for r, _ in records for m in r.members]
    known_people = set(
        (
            await session.scalars(select(members.c.id_hash).where(members.c.id_hash.in_(hashes)))
        ).all()
    )
    fresh: list[HouseholdRecord] = []
    outbox = Outbox(ctx.outbox_table, session)
    now = ctx.now()
    for record, complete in records:
        if record.household_number in stored:
            if complete and stored[record.household_number] == ctx.keys.digest(record):
                summary.unchanged += 1
                continue
        elif not any(ctx.keys.id_hash(m.id_number) in known_people for m in record.members):
            fresh.append(record)
            continue
        try:
            async with session.begin_nested():
                result = await upsert_household(
                    record,
                    session=session,
                    outbox=outbox,
                    keys=ctx.keys,
                    now=now,
                    new_id=ctx.new_id,
                    members_complete=complete,
                )
        except RegistryError as exc:  # e.g. a roster row that leaves a household with two heads
            summary.rejected += 1
            await session.execute(
                insert(import_errors),
                _error_rows(summary.import_id, -1, [RowError(exc.field, exc.code, exc.message)]),
            )
            continue
        setattr(summary, result.outcome, getattr(summary, result.outcome) + 1)
        summary.moved += len(result.moved_from)
    await _create_in_bulk(session, ctx, fresh, outbox, now)
    summary.created += len(fresh)


async def _create_in_bulk(
    session: AsyncSession,
    ctx: ImportContext,
    records: list[HouseholdRecord],
    outbox: Outbox,
    now: datetime,
) -> None:
    """New households whose members are new too: three statements for the whole chunk."""
    if not records:
        return
    household_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    envelopes = []
    for record in records:
        household_id = ctx.new_id()
        household_rows.append(
            {
                "household_id": household_id,
                "household_number": record.household_number,
                "revision": 1,
                "updated_at": now,
                **household_values(record, ctx.keys),
            }
        )
        person_ids: dict[str, UUID] = {}
        for member in record.members:
            person_ids[member.id_number] = ctx.new_id()
            member_rows.append(
                {
                    "person_id": person_ids[member.id_number],
                    **member_values(member, household_id, ctx.keys),
                }
            )
        envelopes.append(
            snapshot_envelope(
                record,
                household_id=household_id,
                person_ids=person_ids,
                now=now,
                message_id=ctx.new_id(),
            )
        )
    await session.execute(insert(households), household_rows)
    await session.execute(insert(members), member_rows)
    await outbox.add_many(HOUSEHOLDS.name, envelopes)


async def _finish(
    ctx: ImportContext, summary: ImportSummary, *, state: str, error: str | None
) -> None:
    async with ctx.sessions() as session, session.begin():
        await session.execute(
            update(imports)
            .where(imports.c.import_id == summary.import_id)
            .values(
                state=state,
                error=error,
                finished_at=ctx.now(),
                received=summary.received,
                rejected=summary.rejected,
                created=summary.created,
                updated=summary.updated,
                unchanged=summary.unchanged,
                moved=summary.moved,
            )
        )


async def import_report(
    session: AsyncSession, import_id: UUID
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """An import's summary row and its errors, by row number."""
    head = (await session.execute(select(imports).where(imports.c.import_id == import_id))).first()
    if head is None:
        return None, []
    rows = (
        await session.execute(
            select(import_errors)
            .where(import_errors.c.import_id == import_id)
            .order_by(import_errors.c.row_number, import_errors.c.seq)
        )
    ).all()
    return dict(head._mapping), [dict(r._mapping) for r in rows]


async def load_regions(session: AsyncSession, items: list[Region]) -> int:
    """Insert or rename divisions; returns how many were given."""
    if items:
        rows = [vars(r) for r in items]
        statement = insert(regions)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[regions.c.code],
                set_={"name": statement.excluded.name},
            ),
            rows,
        )
    return len(items)


async def count_households(session: AsyncSession) -> int:
    """How many households the registry holds."""
    return int(await session.scalar(select(func.count()).select_from(households)) or 0)

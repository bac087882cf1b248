"""Writing and checking the responsibility trace (责任追溯) in the database."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from shouwang_kit.db import driver_connection
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters.tables import SCHEMA, audit_log
from casework.domain.audit import GENESIS, AuditEntry, ChainLinks, ChainVerifier, entry_hash

_LOCK = zlib.crc32(b"casework.audit_log")
_CHAIN_END = f"SELECT seq, hash FROM {SCHEMA}.{audit_log.name} ORDER BY seq DESC LIMIT 1"
_COLUMNS = ["seq", "at", "actor", "action", "subject", "detail", "prev_hash", "hash"]


async def append_audit(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any],
    now: datetime,
) -> int:
    """Append one entry in the caller's transaction; appends are serialised so the chain has
    no forks and no gaps (a rolled-back transaction leaves no seq behind)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
    last = (
        await session.execute(
            select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        )
    ).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    digest = entry_hash(
        prev, seq=seq, at=now, actor=actor, action=action, subject=subject, detail=detail
    )
    await session.execute(
        insert(audit_log).values(
            seq=seq,
            at=now,
            actor=actor,
            action=action,
            subject=subject,
            detail=detail,
            prev_hash=prev,
            hash=digest,
        )
    )
    return seq


async def _entries(session: AsyncSession, batch: int = 5000) -> AsyncIterator[AuditEntry]:
    last = 0
    while True:
        rows = (
            await session.execute(
                select(audit_log)
                .where(audit_log.c.seq > last)
                .order_by(audit_log.c.seq)
                .limit(batch)
            )
        ).all()
        for r in rows:
            yield AuditEntry(
                r.seq, r.at, r.actor, r.action, r.subject, r.detail, r.prev_hash, r.hash
            )
            last = r.seq
        if len(rows) < batch:
            return


async def verify_audit(session: AsyncSession) -> tuple[int, int | None]:
    """(entries checked, seq of the first broken link or None)."""
    verifier = ChainVerifier()
    async for entry in _entries(session):
        if not verifier.feed(entry):
            return verifier.checked, entry.seq
    return verifier.checked, None


async def audit_count(session: AsyncSession) -> int:
    """How many entries the trace holds."""
    return int(await session.scalar(select(func.count()).select_from(audit_log)) or 0)


async def append_audit_many(
    session: AsyncSession, entries: list[tuple[str, str, str, dict[str, Any]]], *, now: datetime
) -> None:
    """Append (actor, action, subject, detail) entries in order: one lock, one read of the
    chain's end, one COPY — the same chain as appending them one by one. Everything but the
    hashes is encoded before the lock is taken (it is held until commit, and every writer of
    the trace waits for it): call this last in the transaction."""
    if not entries:
        return
    links = ChainLinks(now, entries)
    raw = await driver_connection(session)
    await raw.execute("SELECT pg_advisory_xact_lock($1)", _LOCK)
    last = await raw.fetchrow(_CHAIN_END)
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    chained = links.hashes(prev, seq)
    rows = [
        (seq, now, actor, action, subject, detail, prev, digest)
        for (seq, prev, digest), (actor, action, subject, _d), detail in zip(
            chained, entries, links.details, strict=True
        )
    ]
    await raw.copy_records_to_table(
        audit_log.name, schema_name=SCHEMA, columns=_COLUMNS, records=rows
    )

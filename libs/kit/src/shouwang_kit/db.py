"""Async engine and session factory for one service's PostgreSQL schema."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

T = TypeVar("T")
# PostgreSQL ends a transaction with these when it is a deadlock's victim or lost a
# serialization conflict: running it again is the remedy, not an error to show anyone.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def async_url(url: str) -> str:
    """postgresql://… → postgresql+asyncpg://… (accepts either)."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('@')[-1]}")


def make_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """An asyncpg engine with a small pool and pre-ping (the database may restart)."""
    return create_async_engine(async_url(url), pool_size=pool_size, pool_pre_ping=True)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def driver_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under the session's transaction, for COPY and hand-written SQL.

    SQLAlchemy begins the database transaction lazily, on its first statement: one is issued
    here, or whatever is sent straight to the driver would run (and commit) on its own.
    """
    await session.execute(text("SELECT 1"))
    connection = await (await session.connection()).get_raw_connection()
    return connection.driver_connection


@contextlib.asynccontextmanager
async def side_transaction(session: AsyncSession) -> AsyncIterator[Any | None]:
    """A transaction of its own, next to the session's, on another pooled connection: yields
    its asyncpg connection, committed when the block ends (None when the session is bound to a
    single connection: then there is no other, and the caller does the work in the session).

    For rows other transactions would otherwise wait on until the session's commits. Its commit
    does not wait for the log's flush: only for rows whose durability a later, durable commit of
    the caller covers (that commit's flush includes everything earlier in the log)."""
    engine = session.bind
    if not isinstance(engine, AsyncEngine):
        yield None
        return
    async with engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        async with raw.transaction():
            await raw.execute("SET LOCAL synchronous_commit = off")
            yield raw


def is_retryable(exc: BaseException) -> bool:
    """Whether `exc` (as SQLAlchemy and asyncpg wrap it) is PostgreSQL ending the transaction
    as a deadlock's victim or a serialization conflict's loser."""
    seen: BaseException | None = exc
    for _ in range(8):  # the driver's error, SQLAlchemy's adapter, SQLAlchemy's own
        if seen is None:
            return False
        if getattr(seen, "sqlstate", None) in RETRYABLE_SQLSTATES:
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


async def in_transaction(
    sessions: Callable[[], AsyncSession],
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    attempts: int = 3,
) -> T:
    """`work` in a transaction of its own, committed; run again from the start (up to
    `attempts` times in all) when PostgreSQL picks the transaction as a deadlock's victim —
    two transactions taking the same locks in another order, each waiting for the other —
    so that an officer's request does not fail for what a retry mends."""
    for attempt in range(1, attempts + 1):
        try:
            async with sessions() as session, session.begin():
                return await work(session)
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            await asyncio.sleep(0.05 * attempt)
    raise AssertionError("unreachable")

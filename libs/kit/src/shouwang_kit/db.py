"""Async engine and session factory for one service's PostgreSQL schema."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


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

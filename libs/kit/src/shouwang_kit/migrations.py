"""Alembic helpers: each service owns one schema and its own version table inside it."""

from __future__ import annotations

import asyncio
import zlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shouwang_kit.db import async_url


def alembic_config(script_location: Path, database_url: str, schema: str) -> Config:
    """An in-memory Alembic config for one service's migrations folder."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", async_url(database_url))
    cfg.attributes["schema"] = schema
    return cfg


def revision(script_location: Path, database_url: str, schema: str, message: str) -> None:
    """Autogenerate a new revision from the difference between the tables and the database."""
    cfg = alembic_config(script_location, database_url, schema)
    command.upgrade(cfg, "head")
    command.revision(cfg, message=message, autogenerate=True)


def upgrade(script_location: Path, database_url: str, schema: str) -> None:
    """Bring the schema to the newest revision (safe to run from several processes at once)."""
    command.upgrade(alembic_config(script_location, database_url, schema), "head")


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py (online, async, advisory-locked)."""
    config = context.config
    schema: str = config.attributes["schema"]
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, kind, _parent: kind != "schema" or name == schema,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url)
        lock_key = zlib.crc32(f"migrate:{schema}".encode())
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key})
            try:
                await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                await connection.commit()
                await connection.run_sync(do_run)
                await connection.commit()
            finally:
                await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})
                await connection.commit()
        await engine.dispose()

    asyncio.run(run_async())

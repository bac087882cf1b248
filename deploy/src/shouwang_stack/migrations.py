"""Autogenerating a service's next migration against a throwaway PostgreSQL."""

from __future__ import annotations

import asyncio
import importlib
import tempfile
from pathlib import Path

from shouwang_stack.paths import free_port
from shouwang_stack.postgres import PostgresServer


async def new_revision(module: str, message: str) -> None:
    """Start a private server, apply the service's migrations, autogenerate the difference."""
    from shouwang_kit.migrations import revision

    bootstrap = importlib.import_module(f"{module}.bootstrap")
    with tempfile.TemporaryDirectory() as tmp:
        server = PostgresServer(data_dir=Path(tmp), port=free_port())
        server.start()
        try:
            await server.wait_ready()
            await asyncio.to_thread(
                revision, bootstrap.MIGRATIONS, server.url, bootstrap.SCHEMA, message
            )
        finally:
            server.stop()

"""The responsibility trace on a real PostgreSQL: concurrent appends chain without forks, the
verify command passes, and a row changed afterwards is found at its seq."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime

import asyncpg
import pytest
from casework.app.audit import append_audit, append_audit_many, verify_audit
from casework.bootstrap import MIGRATIONS, SCHEMA
from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_kit.migrations import upgrade

from tests.conftest import Infra, private_database

pytestmark = pytest.mark.integration


async def test_the_chain_verifies_and_a_tampered_row_is_found(infra: Infra) -> None:
    url = await private_database(infra, "audit")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, SCHEMA)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)

    async def officer(n: int) -> None:
        for i in range(10):
            async with sessions() as session, session.begin():
                await append_audit(
                    session,
                    actor=f"officer-{n}",
                    action="view_sensitive" if i % 2 else "accept",
                    subject=f"case:{n}",
                    detail={"reason": f"第{i}次", "n": i},
                    now=datetime.now(UTC),
                )

    try:
        await asyncio.gather(*(officer(n) for n in range(4)))  # concurrent writers
        async with sessions() as session, session.begin():  # and a batch append (consumers)
            await append_audit_many(
                session,
                [("system", "opened", f"case:{n}", {"n": n}) for n in range(5)],
                now=datetime.now(UTC),
            )
        async with sessions() as session:
            assert await verify_audit(session) == (45, None)
        env = {**os.environ, "DATABASE_URL": url}
        command = [sys.executable, "-m", "casework.entrypoints.audit_cli", "verify"]
        ok = await asyncio.to_thread(
            subprocess.run, command, env=env, capture_output=True, text=True, check=False
        )
        assert ok.returncode == 0 and "已校验 45 条" in ok.stdout

        connection = await asyncpg.connect(url)
        try:
            await connection.execute(
                "UPDATE casework.audit_log SET actor = 'someone-else' WHERE seq = 17"
            )
        finally:
            await connection.close()
        async with sessions() as session:
            assert await verify_audit(session) == (17, 17)
        broken = await asyncio.to_thread(
            subprocess.run, command, env=env, capture_output=True, text=True, check=False
        )
        assert broken.returncode == 1 and "第 17 条" in broken.stderr
    finally:
        await engine.dispose()

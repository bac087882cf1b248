"""Where a poll's time goes: matching's handler run in this process against a real PostgreSQL,
without Kafka, so that its own CPU and the database's can be told apart (a diagnostic for
changes to the handler: it has no target of its own; `bench.matching_consumer` has the rate
and its ceiling).

    .tools/bin/uv run python -m bench.matching_poll --persons 300000 --warnings 60000

Prints the handler's CPU per warning (all polls, and the median and lower quartile of the
polls after the first three), PostgreSQL's CPU per warning, and the statements that took
PostgreSQL's time (`pg_stat_statements`). Statements over `--explain-over` ms have their plans
written to PostgreSQL's log (`auto_explain`), which is kept with `--keep-log FILE`.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from matching.adapters.registry_index import RegistryIndex
from matching.adapters.tables import outbox
from matching.app.handlers import resolve_batch
from matching.bootstrap import MIGRATIONS, SCHEMA, build_resolver
from matching.config import get_settings
from shouwang_kit.crypto import DEV_DATA_KEYS, FieldCipher
from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_kit.messaging import Outbox
from shouwang_kit.migrations import upgrade
from shouwang_proto import decode
from shouwang_stack.paths import free_port
from shouwang_stack.postgres import PostgresServer

from bench.matching_consumer import WAL, load_registry, warning_messages
from bench.procs import cpu_seconds

_TOP = """
SELECT calls, total_exec_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 80) AS query
FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 8
"""


async def _instrument(server: PostgresServer, explain_over_ms: int) -> None:
    """pg_stat_statements and auto_explain loaded (a restart)."""
    connection = await asyncpg.connect(server.url)
    try:
        await connection.execute(
            "ALTER SYSTEM SET shared_preload_libraries = pg_stat_statements, auto_explain"
        )
        await connection.execute(
            f"ALTER SYSTEM SET auto_explain.log_min_duration = {explain_over_ms}"
        )
        await connection.execute("ALTER SYSTEM SET auto_explain.log_analyze = on")
    finally:
        await connection.close()
    server.stop()
    server.start()
    await server.wait_ready()
    connection = await asyncpg.connect(server.url)
    try:
        await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    finally:
        await connection.close()


async def main(arguments: argparse.Namespace) -> None:
    count, poll = arguments.warnings, arguments.poll
    with tempfile.TemporaryDirectory() as tmp:
        server = PostgresServer(data_dir=Path(tmp) / "postgres", port=free_port())
        server.start()
        try:
            await server.wait_ready()
            await _instrument(server, arguments.explain_over)
            await asyncio.to_thread(upgrade, MIGRATIONS, server.url, SCHEMA)
            people = await load_registry(server.url, arguments.persons)
            envelopes = [decode(value) for _key, value in warning_messages(people, count)]
            engine = make_engine(server.url)
            sessions = make_sessionmaker(engine)
            index = RegistryIndex(build_resolver(get_settings()), FieldCipher(DEV_DATA_KEYS))
            async with sessions() as session:
                await index.refresh(session)
            print(f"registry: {len(people):,} persons; {count:,} warnings in polls of {poll:,}")
            connection = await asyncpg.connect(server.url)
            await connection.execute("SELECT pg_stat_statements_reset()")
            await connection.execute("SELECT pg_stat_reset_shared('wal')")
            assert server.proc is not None
            database_from, mine_from = cpu_seconds(server.proc.pid), time.process_time()
            per_poll = []
            for start in range(0, count, poll):
                chunk = envelopes[start : start + poll]
                began = time.process_time()
                async with sessions() as session, session.begin():
                    await resolve_batch(
                        chunk,
                        session=session,
                        outbox=Outbox(outbox, session),
                        index=index,
                        now=datetime.now(UTC),
                    )
                per_poll.append((time.process_time() - began) / len(chunk))
            mine = (time.process_time() - mine_from) / count
            database = (cpu_seconds(server.proc.pid) - database_from) / count
            steady = sorted(per_poll[3:]) or sorted(per_poll)
            print(
                f"handler CPU per warning: {1e6 * mine:.0f} µs (polls after the third: median "
                f"{1e6 * steady[len(steady) // 2]:.0f}, lower quartile "
                f"{1e6 * steady[len(steady) // 4]:.0f} µs); PostgreSQL CPU per warning "
                f"{1e6 * database:.0f} µs"
            )
            print("PostgreSQL's time per warning, by statement:")
            for row in await connection.fetch(_TOP):
                print(
                    f"  {1000 * row['total_exec_time'] / count:6.1f} µs  "
                    f"{row['calls']:5d} calls  {row['query']}"
                )
            wal = await connection.fetchrow(WAL)
            print(
                f"WAL per warning: {wal['wal_bytes'] / count:,.0f} bytes, "
                f"{wal['wal_records'] / count:.1f} records, {wal['wal_fpi'] / count:.2f} full-page "
                f"images (PostgreSQL writes a page whole the first time it changes after a "
                f"checkpoint); checkpoints since start: {wal['checkpoints']}"
            )
            await connection.close()
            await engine.dispose()
        finally:
            server.stop()
            if arguments.keep_log:
                shutil.copy(server.log_path, arguments.keep_log)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=300_000)
    parser.add_argument("--warnings", type=int, default=60_000)
    parser.add_argument("--poll", type=int, default=1_700, help="warnings per transaction")
    parser.add_argument("--explain-over", type=int, default=200, help="ms")
    parser.add_argument("--keep-log", help="copy PostgreSQL's log (with the plans) here")
    asyncio.run(main(parser.parse_args()))

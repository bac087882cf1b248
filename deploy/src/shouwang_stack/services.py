"""The Shouwang services (and the console) as child processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shouwang_stack import procs


@dataclass(frozen=True)
class ServiceDef:
    """How to start one service: its module, env prefix and default port."""

    name: str
    module: str
    env_prefix: str
    default_port: int
    separate_relay: bool = False


SERVICES: tuple[ServiceDef, ...] = (
    # The gateway takes bulk lists and casework the matched warnings of whole monthly lists:
    # their outboxes are published by a process of their own, so that parsing (or opening
    # cases) and publishing use both cores.
    ServiceDef("agency-gateway", "agency_gateway", "GATEWAY_", 8101, separate_relay=True),
    ServiceDef("intake", "intake", "INTAKE_", 8102),
    ServiceDef("matching", "matching", "MATCHING_", 8103, separate_relay=True),
    ServiceDef("casework", "casework", "CASEWORK_", 8104, separate_relay=True),
    ServiceDef("notifier", "notifier", "NOTIFIER_", 8105),
    ServiceDef("console", "console", "CONSOLE_", 8100),
)


class ServiceStartError(RuntimeError):
    """A service exited or did not become ready."""


@dataclass
class ServiceProcess:
    """One running service."""

    definition: ServiceDef
    port: int
    log_path: Path
    command: str = "serve"
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, env: Mapping[str, str]) -> None:
        """Run `python -m <module> serve` (or `relay`) with its port in the environment."""
        child_env = {
            **env,
            f"{self.definition.env_prefix}PORT": str(self.port),
            "SHOUWANG_READY_FILE": str(self.ready_file),
        }
        self.ready_file.unlink(missing_ok=True)
        self.proc = procs.spawn(
            [sys.executable, "-m", self.definition.module, self.command],
            log_path=self.log_path,
            env=child_env,
        )

    async def wait_ready(self, timeout: float = 60) -> None:
        """Poll /readyz until its database and Kafka checks pass (a relay: its start line)."""
        if self.command == "relay":
            await self._wait_for_ready_file(timeout)
            return
        deadline = time.monotonic() + timeout
        last = "no answer"
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise ServiceStartError(
                        f"{self.definition.name} exited with code {self.proc.returncode}:\n"
                        f"{procs.tail(self.log_path)}"
                    )
                try:
                    response = await client.get(f"{self.url}/readyz")
                    if response.status_code == 200:
                        return
                    last = response.text
                except httpx.HTTPError as exc:
                    last = type(exc).__name__
                await asyncio.sleep(0.2)
        raise ServiceStartError(
            f"{self.definition.name} not ready after {timeout:.0f}s ({last}):\n"
            f"{procs.tail(self.log_path)}"
        )

    @property
    def ready_file(self) -> Path:
        return self.log_path.with_suffix(".ready")

    async def _wait_for_ready_file(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise ServiceStartError(
                    f"{self.definition.name} {self.command} exited:\n{procs.tail(self.log_path)}"
                )
            if self.ready_file.exists():
                return
            await asyncio.sleep(0.2)
        raise ServiceStartError(f"{self.definition.name} {self.command} did not start")

    def stop(self) -> None:
        """Graceful stop (uvicorn finishes requests, consumers leave their groups)."""
        if self.proc is not None:
            procs.stop(self.proc, timeout=20)
            self.proc = None

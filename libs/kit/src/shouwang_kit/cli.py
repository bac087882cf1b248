"""`python -m <service> serve|migrate`: the same entry point for every service."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from shouwang_kit.logs import configure_logging
from shouwang_kit.migrations import upgrade
from shouwang_kit.settings import ServiceSettings


def run_service(
    *,
    service: str,
    settings: ServiceSettings,
    schema: str,
    migrations: Path,
    build_app: Callable[[], FastAPI],
) -> None:
    """Parse the command line and serve the API (with its loops) or only migrate."""
    parser = argparse.ArgumentParser(prog=service)
    parser.add_argument("command", choices=["serve", "migrate"], nargs="?", default="serve")
    args = parser.parse_args()
    configure_logging(service, settings.log_level)
    if args.command == "migrate":
        upgrade(migrations, settings.database_url, schema)
        return
    uvicorn.run(
        build_app(),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )

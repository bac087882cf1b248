"""The one place that picks the gateway's concrete adapters."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from shouwang_kit.runtime import ServiceRuntime, create_app

from agency_gateway.adapters.api_keys import ApiKeyStore
from agency_gateway.adapters.tables import SCHEMA, inbox, outbox
from agency_gateway.config import get_settings
from agency_gateway.entrypoints.api import router

MIGRATIONS = Path(__file__).parent / "migrations"
__all__ = ["MIGRATIONS", "SCHEMA", "build_app"]


def build_app() -> FastAPI:
    """The gateway app: API, outbox relay, no consumers yet."""
    settings = get_settings()
    runtime = ServiceRuntime(
        service="agency-gateway",
        settings=settings,
        schema=SCHEMA,
        migrations=MIGRATIONS,
        outbox=outbox,
        inbox=inbox,
    )
    app = create_app(runtime, title="Shouwang agency gateway (部门预警接口)", routers=[router])
    app.state.api_keys = ApiKeyStore.from_file(settings.api_keys_file)
    return app

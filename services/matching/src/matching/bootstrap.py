"""The one place that picks matching's concrete adapters."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from shouwang_kit.runtime import ConsumerSpec, ServiceRuntime, create_app
from shouwang_proto.topics import HOUSEHOLDS, WARNINGS

from matching.adapters.tables import SCHEMA, inbox, outbox
from matching.config import get_settings
from matching.entrypoints.api import router
from matching.entrypoints.consumer import registry_handler, warnings_handler

MIGRATIONS = Path(__file__).parent / "migrations"
__all__ = ["MIGRATIONS", "SCHEMA", "build_app"]


def build_app() -> FastAPI:
    """The matching app: registry read model, warning resolution, decisions API."""
    settings = get_settings()
    runtime = ServiceRuntime(
        service="matching",
        settings=settings,
        schema=SCHEMA,
        migrations=MIGRATIONS,
        outbox=outbox,
        inbox=inbox,
        consumers=[
            ConsumerSpec(
                "matching.registry", [HOUSEHOLDS.name], registry_handler(settings.pseudonym_key)
            ),
            ConsumerSpec(
                "matching.warnings", [WARNINGS.name], warnings_handler(settings.pseudonym_key)
            ),
        ],
    )
    return create_app(runtime, title="Shouwang matching (信息比对)", routers=[router])

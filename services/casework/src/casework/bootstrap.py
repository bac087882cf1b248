"""The one place that picks casework's concrete adapters."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from shouwang_kit.runtime import ConsumerSpec, ServiceRuntime, create_app
from shouwang_proto.topics import MATCHING_OUTCOMES

from casework.adapters.calendar_source import published_calendar
from casework.adapters.tables import SCHEMA, inbox, outbox
from casework.config import get_settings
from casework.entrypoints.api import router
from casework.entrypoints.consumer import outcomes_handler

MIGRATIONS = Path(__file__).parent / "migrations"
__all__ = ["MIGRATIONS", "SCHEMA", "build_app"]


def build_app() -> FastAPI:
    """The casework app: opens cases from matched warnings; cases API."""
    settings = get_settings()
    handler = outcomes_handler(
        published_calendar(), ZoneInfo(settings.timezone), settings.case_number_prefix
    )
    runtime = ServiceRuntime(
        service="casework",
        settings=settings,
        schema=SCHEMA,
        migrations=MIGRATIONS,
        outbox=outbox,
        inbox=inbox,
        consumers=[ConsumerSpec("casework.outcomes", [MATCHING_OUTCOMES.name], handler)],
    )
    return create_app(runtime, title="Shouwang casework (案件与时限)", routers=[router])

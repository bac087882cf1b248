"""The one place that picks casework's concrete adapters."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from shouwang_kit.runtime import ConsumerSpec, ServiceRuntime, create_app
from shouwang_proto.events import ComparisonAnsweredV1
from shouwang_proto.topics import COMPARISONS, MATCHING_OUTCOMES

from casework.adapters.calendar_source import CalendarCache
from casework.adapters.report_cache import ReportCache
from casework.adapters.tables import SCHEMA, inbox, outbox
from casework.config import get_settings
from casework.entrypoints.api import router
from casework.entrypoints.calendar_api import router as calendar_router
from casework.entrypoints.charts_api import router as charts_router
from casework.entrypoints.comparisons import comparison_loop, registry_members
from casework.entrypoints.consumer import (
    comparisons_handler,
    outcomes_batch_handler,
    outcomes_handler,
)
from casework.entrypoints.reports_api import router as reports_router
from casework.entrypoints.scheduler import parse_escalation, scheduler
from casework.entrypoints.sensitive_api import router as sensitive_router

MIGRATIONS = Path(__file__).parent / "migrations"
__all__ = ["MIGRATIONS", "SCHEMA", "build_app"]


def build_app() -> FastAPI:
    """The casework app: opens cases from matched warnings; cases API."""
    settings = get_settings()
    tz = ZoneInfo(settings.timezone)
    calendars = CalendarCache()
    handler = outcomes_handler(calendars, tz, settings.case_number_prefix)
    runtime = ServiceRuntime(
        service="casework",
        settings=settings,
        schema=SCHEMA,
        migrations=MIGRATIONS,
        outbox=outbox,
        inbox=inbox,
        consumers=[
            ConsumerSpec(
                "casework.outcomes",
                [MATCHING_OUTCOMES.name],
                handler,
                batch_handler=outcomes_batch_handler(calendars, tz, settings.case_number_prefix),
                # A warning attaches once (signals' unique warning id): repeats are no-ops.
                handler_deduplicates=True,
            ),
            # Agencies' answers (信息比对) into the trail, once each (the inbox).
            ConsumerSpec(
                "casework.comparisons",
                [COMPARISONS.name],
                comparisons_handler(),
                event_types=frozenset({ComparisonAnsweredV1.EVENT_TYPE}),
            ),
        ],
    )
    runtime.loops.append(
        (
            "clock-scheduler",
            scheduler(
                runtime.sessions,
                calendars,
                tz=tz,
                interval=settings.scheduler_interval_s,
                due_soon=timedelta(hours=settings.due_soon_hours),
                escalation=parse_escalation(settings.escalation),
                wake_outbox=runtime.wake_outbox,
            ),
        )
    )
    intake = httpx.AsyncClient(base_url=settings.intake_url, timeout=10)
    runtime.loops.append(
        (
            "comparison-requests",
            comparison_loop(
                runtime.sessions,
                registry_members(intake, settings.auth_key),
                interval=settings.comparison_interval_s,
                wake_outbox=runtime.wake_outbox,
            ),
        )
    )
    app = create_app(
        runtime,
        title="Shouwang casework (案件与时限)",
        routers=[router, calendar_router, reports_router, charts_router, sensitive_router],
    )
    app.state.calendars = calendars
    app.state.timezone = settings.timezone
    app.state.risk_rules = settings.risk_rules()
    app.state.intake = intake
    app.state.report_cache = ReportCache(ttl=settings.report_cache_s)
    return app

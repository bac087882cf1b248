"""The one place that picks intake's concrete adapters."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from shouwang_kit.runtime import ConsumerSpec, ServiceRuntime, create_app
from shouwang_proto.events import CaseVisitedV1
from shouwang_proto.topics import CASES

from intake.adapters.tables import SCHEMA, inbox, outbox
from intake.config import get_settings
from intake.entrypoints.api import router
from intake.entrypoints.consumer import case_events_handler
from intake.entrypoints.declarations_api import router as declarations_router
from intake.entrypoints.form import router as form_router
from intake.entrypoints.imports_api import router as imports_router
from intake.entrypoints.sensitive_api import router as sensitive_router
from intake.entrypoints.visits_api import router as visits_router

MIGRATIONS = Path(__file__).parent / "migrations"
__all__ = ["MIGRATIONS", "SCHEMA", "build_app"]


def build_app() -> FastAPI:
    """The intake app: registry API, outbox relay, casework's visits."""
    runtime = ServiceRuntime(
        service="intake",
        settings=get_settings(),
        schema=SCHEMA,
        migrations=MIGRATIONS,
        outbox=outbox,
        inbox=inbox,
        # Casework's home visits (入户核查) count as the month's visits (一月一排查).
        consumers=[
            ConsumerSpec(
                "intake.case-visits",
                [CASES.name],
                case_events_handler,
                event_types=frozenset({CaseVisitedV1.EVENT_TYPE}),
            )
        ],
    )
    return create_app(
        runtime,
        title="Shouwang intake (农户信息库)",
        routers=[
            router,
            imports_router,
            visits_router,
            sensitive_router,
            form_router,
            declarations_router,
        ],
    )

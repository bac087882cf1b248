"""The one place that picks matching's concrete adapters."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from shouwang_kit.crypto import FieldCipher
from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import single
from shouwang_kit.runtime import ConsumerSpec, ServiceRuntime, create_app
from shouwang_proto.events import ComparisonAnsweredV1
from shouwang_proto.topics import COMPARISONS, HOUSEHOLDS, WARNINGS

from matching import native
from matching.adapters.registry_index import RegistryIndex
from matching.adapters.tables import SCHEMA, inbox, outbox
from matching.config import Settings, get_settings
from matching.domain.linker import LinkConfig, LinkIndex
from matching.domain.resolution import Resolver
from matching.entrypoints.api import router
from matching.entrypoints.consumer import (
    comparisons_handler,
    registry_handler,
    warnings_handler,
)
from matching.entrypoints.reviews_api import router as reviews_router

MIGRATIONS = Path(__file__).parent / "migrations"
log = get_logger(__name__)
__all__ = ["MIGRATIONS", "SCHEMA", "build_app"]


def build_resolver(settings: Settings) -> Resolver:
    """The resolver the service runs: the linker, thresholds from the settings."""
    return LinkIndex(
        LinkConfig(auto_at=settings.auto_at, review_at=settings.review_at, margin=settings.margin)
    )


def build_app() -> FastAPI:
    """The matching app: registry read model, warning resolution, decisions API."""
    settings = get_settings()
    cipher = FieldCipher(settings.data_keys)
    index = RegistryIndex(build_resolver(settings), cipher)
    log.info("matching.linker", linker=native.in_use())
    warnings = warnings_handler(index)
    runtime = ServiceRuntime(
        service="matching",
        settings=settings,
        schema=SCHEMA,
        migrations=MIGRATIONS,
        outbox=outbox,
        inbox=inbox,
        consumers=[
            ConsumerSpec(
                "matching.registry",
                [HOUSEHOLDS.name],
                registry_handler(settings.pseudonym_key, cipher),
                batch=True,
            ),
            ConsumerSpec(
                "matching.warnings",
                [WARNINGS.name],
                single(warnings),
                batch_handler=warnings,
                # One decision per warning id (its primary key): a repeat decides nothing.
                handler_deduplicates=True,
            ),
            ConsumerSpec(
                "matching.comparisons",
                [COMPARISONS.name],
                comparisons_handler(),
                event_types=frozenset({ComparisonAnsweredV1.EVENT_TYPE}),
            ),
        ],
    )
    runtime.loops.append(("registry-index", lambda: index.keep_fresh(runtime.sessions)))
    return create_app(
        runtime, title="Shouwang matching (信息比对)", routers=[router, reviews_router]
    )

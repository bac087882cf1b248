"""The one place that picks the gateway's concrete adapters."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from shouwang_kit.runtime import ConsumerSpec, ServiceRuntime, create_app
from shouwang_kit.web import RequestGuard
from shouwang_proto.catalogue import load_catalogue
from shouwang_proto.events import ComparisonRequestedV1
from shouwang_proto.topics import CASES, COMPARISONS, MATCHING_OUTCOMES

from agency_gateway.adapters.api_keys import ApiKeyStore
from agency_gateway.adapters.limits import RateLimiter
from agency_gateway.adapters.tables import SCHEMA, inbox, outbox
from agency_gateway.app.feeds import watch_feeds
from agency_gateway.app.row_parser import warm_up
from agency_gateway.config import get_settings
from agency_gateway.entrypoints.api import router
from agency_gateway.entrypoints.batches_api import router as batches_router
from agency_gateway.entrypoints.consumer import comparisons_handler, outcomes_handler
from agency_gateway.entrypoints.county_api import router as county_router
from agency_gateway.entrypoints.exchange_api import router as exchange_router
from agency_gateway.entrypoints.monitored_api import router as monitored_router

MIGRATIONS = Path(__file__).parent / "migrations"
__all__ = ["MIGRATIONS", "SCHEMA", "build_app"]

DESCRIPTION = """
部门预警数据接口（agency gateway）。各部门系统用本部门的接口密钥（请求头 `X-Api-Key`）报送
临时预警（`POST /v1/warnings`）和月度名单（`POST /v1/batches`），并查询每一行的比对反馈。
错误答复统一为 `{"code", "message", "details"}`：`code` 供程序判断，`message` 为中文说明。
"""


def build_app() -> FastAPI:
    """The gateway app: warnings and lists in, outbox relay out, outcomes back as feedback."""
    settings = get_settings()
    runtime = ServiceRuntime(
        service="agency-gateway",
        settings=settings,
        schema=SCHEMA,
        migrations=MIGRATIONS,
        outbox=outbox,
        inbox=inbox,
        consumers=[
            ConsumerSpec(
                "agency-gateway.feedback", [MATCHING_OUTCOMES.name, CASES.name], outcomes_handler
            ),
            ConsumerSpec(
                "agency-gateway.comparisons",
                [COMPARISONS.name],
                comparisons_handler,
                event_types=frozenset({ComparisonRequestedV1.EVENT_TYPE}),
            ),
        ],
    )
    runtime.loops.append(
        (
            "feed-watch",
            lambda: watch_feeds(
                sessions=runtime.sessions,
                outbox_table=outbox,
                catalogue=load_catalogue(),
                tz=ZoneInfo(settings.timezone),
                wake=runtime.wake_outbox,
            ),
        )
    )
    app = create_app(
        runtime,
        title="Shouwang agency gateway (部门预警接口)",
        routers=[router, batches_router, exchange_router, county_router, monitored_router],
    )
    app.description = DESCRIPTION
    # JSON requests are small; lists stream to disk under their own limit.
    app.add_middleware(RequestGuard, max_bytes=settings.max_json_bytes, exempt=("/v1/batches",))
    app.state.settings = settings
    app.state.api_keys = ApiKeyStore(runtime.sessions, seed_file=settings.api_keys_file)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.parse_pool = None
    # Intake's registry: the members of the households on the agencies' monitored list.
    app.state.intake = httpx.AsyncClient(base_url=settings.intake_url, timeout=10)
    if settings.parse_workers:
        # Lists are parsed in worker processes while this one writes to the database.
        pool = ProcessPoolExecutor(
            max_workers=settings.parse_workers, mp_context=multiprocessing.get_context("spawn")
        )
        for _ in range(settings.parse_workers):
            # Each worker starts and imports now, not in the middle of the first upload.
            pool.submit(warm_up, settings.gc_gen0_threshold)
        app.state.parse_pool = pool
        runtime.on_stop.append(lambda: pool.shutdown(cancel_futures=True))
    return app

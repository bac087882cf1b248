"""The one place that picks the notifier's concrete adapters (which channels, which URLs)."""

from __future__ import annotations

import asyncio
import json
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from shouwang_kit.runtime import ConsumerSpec, ServiceRuntime, create_app
from shouwang_proto.topics import CASES, FEEDS

from notifier.adapters.channels import Channel, LogChannel, WeComRobotChannel
from notifier.adapters.providers import AliyunSmsChannel, TencentSmsChannel, WeComAppChannel
from notifier.adapters.tables import SCHEMA, inbox, outbox
from notifier.app.deliveries import Routing
from notifier.config import Settings, get_settings
from notifier.domain.routing import DEFAULT_RULES, QuietHours, load_directory
from notifier.entrypoints.api import router
from notifier.entrypoints.consumer import (
    casework_cases,
    digest_loop,
    dispatcher,
    events_handler,
    reports_loop,
)

MIGRATIONS = Path(__file__).parent / "migrations"
__all__ = ["MIGRATIONS", "SCHEMA", "build_app"]


def _channels(settings: Settings, client: httpx.AsyncClient) -> dict[str, Channel]:
    channels: dict[str, Channel] = {"log": LogChannel()}
    if settings.channel == "wecom_robot":
        channels["wecom_robot"] = WeComRobotChannel(
            client, settings.wecom_robot_url, settings.wecom_robot_key
        )
    enabled = {c.strip() for c in settings.personal_channels.split(",") if c.strip()}
    if "sms_aliyun" in enabled:
        channels["sms_aliyun"] = AliyunSmsChannel(
            client,
            base_url=settings.aliyun_base_url,
            access_key_id=settings.aliyun_access_key_id,
            access_key_secret=settings.aliyun_access_key_secret,
            sign_name=settings.aliyun_sign_name,
            templates=json.loads(settings.aliyun_templates),
        )
    if "sms_tencent" in enabled:
        channels["sms_tencent"] = TencentSmsChannel(
            client,
            base_url=settings.tencent_base_url,
            secret_id=settings.tencent_secret_id,
            secret_key=settings.tencent_secret_key,
            sdk_app_id=settings.tencent_sdk_app_id,
            sign_name=settings.tencent_sign_name,
            templates=json.loads(settings.tencent_templates),
            region=settings.tencent_region,
        )
    if "wecom_app" in enabled:
        channels["wecom_app"] = WeComAppChannel(
            client,
            base_url=settings.wecom_app_base_url,
            corp_id=settings.wecom_corp_id,
            corp_secret=settings.wecom_corp_secret,
            agent_id=settings.wecom_agent_id,
        )
    return channels


def _routing(settings: Settings, tz: ZoneInfo, channels: dict[str, Channel]) -> Routing:
    directory = load_directory(Path(settings.directory_file)) if settings.directory_file else []
    enabled = [c.strip() for c in settings.personal_channels.split(",") if c.strip() in channels]
    return Routing(
        directory=tuple(directory),
        rules={r.event: r for r in DEFAULT_RULES},
        enabled=tuple(enabled),
        quiet=QuietHours(
            start=time.fromisoformat(settings.quiet_start),
            end=time.fromisoformat(settings.quiet_end),
            tz=tz,
        ),
        county_code=settings.county_code,
        group_channel=settings.channel,
    )


def build_app() -> FastAPI:
    """The notifier app: case and feed events → deliveries → channels."""
    settings = get_settings()
    tz = ZoneInfo(settings.timezone)
    client = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
    channels = _channels(settings, client)
    routing = _routing(settings, tz, channels)
    wake = asyncio.Event()
    runtime = ServiceRuntime(
        service="notifier",
        settings=settings,
        schema=SCHEMA,
        migrations=MIGRATIONS,
        outbox=outbox,
        inbox=inbox,
        consumers=[
            ConsumerSpec(
                "notifier.events", [CASES.name, FEEDS.name], events_handler(routing, tz, wake)
            )
        ],
    )
    runtime.loops.append(
        (
            "dispatcher",
            dispatcher(runtime.sessions, channels, settings.max_attempts, routing.quiet, wake),
        )
    )
    runtime.loops.append(("delivery-reports", reports_loop(runtime.sessions, channels)))
    if settings.digest_at and routing.directory:
        fetch = casework_cases(
            client, settings.casework_url, settings.auth_key, settings.county_code
        )
        runtime.loops.append(
            (
                "digest",
                digest_loop(
                    runtime.sessions,
                    routing,
                    fetch,
                    tz=tz,
                    at=time.fromisoformat(settings.digest_at),
                    wake=wake,
                ),
            )
        )
    app = create_app(runtime, title="Shouwang notifier (消息通知)", routers=[router])
    app.state.routing = routing
    return app

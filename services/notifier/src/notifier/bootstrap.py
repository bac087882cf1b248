"""The one place that picks the notifier's concrete adapters (which channel, which URL)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from shouwang_kit.runtime import ConsumerSpec, ServiceRuntime, create_app
from shouwang_proto.topics import CASES

from notifier.adapters.channels import Channel, LogChannel, WeComRobotChannel
from notifier.adapters.tables import SCHEMA, inbox, outbox
from notifier.config import Settings, get_settings
from notifier.entrypoints.api import router
from notifier.entrypoints.consumer import cases_handler, dispatcher

MIGRATIONS = Path(__file__).parent / "migrations"
__all__ = ["MIGRATIONS", "SCHEMA", "build_app"]


def _channel(settings: Settings) -> Channel:
    if settings.channel == "wecom_robot":
        client = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
        return WeComRobotChannel(client, settings.wecom_robot_url, settings.wecom_robot_key)
    return LogChannel()


def build_app() -> FastAPI:
    """The notifier app: case events → deliveries → channel."""
    settings = get_settings()
    tz = ZoneInfo(settings.timezone)
    channel = _channel(settings)
    wake = asyncio.Event()
    runtime = ServiceRuntime(
        service="notifier",
        settings=settings,
        schema=SCHEMA,
        migrations=MIGRATIONS,
        outbox=outbox,
        inbox=inbox,
        consumers=[
            ConsumerSpec("notifier.cases", [CASES.name], cases_handler(channel.name, tz, wake))
        ],
    )
    runtime.loops.append(
        ("dispatcher", dispatcher(runtime.sessions, channel, settings.max_attempts, wake))
    )
    return create_app(runtime, title="Shouwang notifier (消息通知)", routers=[router])

"""Kafka handler, dispatch loop, delivery-report loop and daily digest of the notifier."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from shouwang_kit.auth import Officer, issue_token, region_prefix
from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Handler, Outbox
from shouwang_kit.runtime import Loop
from shouwang_proto import Envelope
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifier.adapters.channels import Channel
from notifier.adapters.providers import AliyunSmsChannel, TencentSmsChannel
from notifier.adapters.tables import deliveries
from notifier.app.deliveries import (
    Routing,
    dispatch_pending,
    mark_delivered,
    record_alerts,
    record_digests,
)
from notifier.domain.routing import QuietHours

log = get_logger(__name__)


def events_handler(routing: Routing, tz: ZoneInfo, wake: asyncio.Event) -> Handler:
    """Records the deliveries a case or feed event calls for; the dispatcher sends them."""

    async def handle(session: AsyncSession, envelope: Envelope, _outbox: Outbox) -> None:
        if await record_alerts(
            envelope, session=session, routing=routing, tz=tz, now=datetime.now(UTC)
        ):
            wake.set()

    return handle


def dispatcher(
    sessions: async_sessionmaker[AsyncSession],
    channels: Mapping[str, Channel],
    max_attempts: int,
    quiet: QuietHours,
    wake: asyncio.Event,
) -> Loop:
    """The dispatch loop: send what is due, then wait for a wake-up or a quarter second."""

    async def run() -> None:
        while True:
            tried = await dispatch_pending(
                sessions=sessions,
                channels=channels,
                now=datetime.now(UTC),
                max_attempts=max_attempts,
                quiet=quiet,
            )
            if tried:
                continue
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=0.25)

    return run


def reports_loop(
    sessions: async_sessionmaker[AsyncSession], channels: Mapping[str, Channel], every: float = 30
) -> Loop:
    """Delivery reports: Tencent's status pull, Alibaba's QuerySendDetails for sent SMS."""

    async def run() -> None:
        while True:
            now = datetime.now(UTC)
            tencent = channels.get("sms_tencent")
            if isinstance(tencent, TencentSmsChannel):
                reports = await tencent.delivery_reports()
                async with sessions() as session, session.begin():
                    for serial, outcome in reports:
                        await mark_delivered(session, serial, outcome, now)
            aliyun = channels.get("sms_aliyun")
            if isinstance(aliyun, AliyunSmsChannel):
                async with sessions() as session:
                    rows = (
                        await session.execute(
                            select(
                                deliveries.c.recipient,
                                deliveries.c.provider_id,
                                deliveries.c.sent_at,
                            )
                            .where(
                                deliveries.c.channel == "sms_aliyun", deliveries.c.status == "sent"
                            )
                            .limit(50)
                        )
                    ).all()
                for phone, biz_id, sent_at in rows:
                    found = await aliyun.delivery_status(phone, biz_id, sent_at)
                    if found is not None:
                        async with sessions() as session, session.begin():
                            await mark_delivered(session, biz_id, found, now)
            await asyncio.sleep(every)

    return run


def casework_cases(
    client: httpx.AsyncClient, base_url: str, auth_key: str, county: str
) -> Callable[[str], Awaitable[list[dict[str, Any]]]]:
    """Open cases of a region from casework's API, as a system officer of the county."""
    officer = Officer("notifier", "消息通知服务", "system", county)

    async def fetch(region_code: str) -> list[dict[str, Any]]:
        token = issue_token(officer, auth_key, now=datetime.now(UTC), ttl=timedelta(minutes=5))
        response = await client.get(
            f"{base_url.rstrip('/')}/v1/cases",
            params={"region_code": region_prefix(region_code), "is_open": "true", "limit": 500},
            headers={"Authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    return fetch


def digest_loop(
    sessions: async_sessionmaker[AsyncSession],
    routing: Routing,
    fetch: Callable[[str], Awaitable[list[dict[str, Any]]]],
    *,
    tz: ZoneInfo,
    at: time,
    wake: asyncio.Event,
) -> Loop:
    """Once a day after `at` (local): record the digests (idempotent per day and officer)."""

    async def run() -> None:
        done: date | None = None
        while True:
            now = datetime.now(UTC)
            local = now.astimezone(tz)
            if local.time() >= at and done != local.date():
                try:
                    async with sessions() as session, session.begin():
                        count = await record_digests(
                            session=session, routing=routing, fetch_cases=fetch, tz=tz, now=now
                        )
                    done = local.date()
                    if count:
                        wake.set()
                except httpx.HTTPError as exc:
                    log.warning("digest.casework_unreachable", error=type(exc).__name__)
            await asyncio.sleep(60)

    return run

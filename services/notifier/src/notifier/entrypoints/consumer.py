"""Kafka handler and dispatch loop of the notifier."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from shouwang_kit.messaging import Handler, Outbox
from shouwang_kit.runtime import Loop
from shouwang_proto import Envelope
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifier.adapters.channels import Channel
from notifier.app.deliveries import dispatch_pending, record_alerts


def cases_handler(channel: str, tz: ZoneInfo, wake: asyncio.Event) -> Handler:
    """Records the alerts a case event calls for; the dispatcher sends them."""

    async def handle(session: AsyncSession, envelope: Envelope, _outbox: Outbox) -> None:
        if await record_alerts(
            envelope, session=session, channel=channel, tz=tz, now=datetime.now(UTC)
        ):
            wake.set()

    return handle


def dispatcher(
    sessions: async_sessionmaker[AsyncSession],
    channel: Channel,
    max_attempts: int,
    wake: asyncio.Event,
) -> Loop:
    """The dispatch loop: send what is due, then wait for a wake-up or a quarter second."""

    async def run() -> None:
        while True:
            tried = await dispatch_pending(
                sessions=sessions, channel=channel, now=datetime.now(UTC), max_attempts=max_attempts
            )
            if tried:
                continue
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=0.25)

    return run

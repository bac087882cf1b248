"""Kafka handlers of casework."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from shouwang_kit.messaging import BatchHandler, Handler, Outbox
from shouwang_proto import Envelope
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters.calendar_source import CalendarCache
from casework.app.intake_signal import handle_matched_batch, handle_matched_warning


class FreshIds:
    """uuid4s from one os.urandom call per 1,024 of them (a batch takes three per signal;
    one system call each was 7% of the consumer's profile). The same randomness as uuid4."""

    _CHUNK = 16 * 1024

    def __init__(self) -> None:
        self._buffer = b""
        self._at = 0
        # A forked child must not hand out the ids left in its parent's buffer.
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._buffer, self._at = b"", 0

    def __call__(self) -> uuid.UUID:
        at = self._at
        if at >= len(self._buffer):
            self._buffer, at = os.urandom(self._CHUNK), 0
        self._at = at + 16
        return uuid.UUID(bytes=self._buffer[at : at + 16], version=4)


def outcomes_handler(calendars: CalendarCache, tz: ZoneInfo, number_prefix: str) -> Handler:
    """Matched warnings open or join cases; other outcomes are not casework's (yet)."""

    async def handle(session: AsyncSession, envelope: Envelope, outbox: Outbox) -> None:
        if envelope.type != "warning.matched":
            return
        await handle_matched_warning(
            envelope,
            session=session,
            outbox=outbox,
            calendar=await calendars.get(session),
            tz=tz,
            number_prefix=number_prefix,
            now=datetime.now(UTC),
            new_id=uuid.uuid4,
        )

    return handle


def outcomes_batch_handler(
    calendars: CalendarCache, tz: ZoneInfo, number_prefix: str
) -> BatchHandler:
    """A poll of matching outcomes at once (matched ones open or join cases)."""
    new_id = FreshIds()

    async def handle(session: AsyncSession, envelopes: list[Envelope], outbox: Outbox) -> None:
        await handle_matched_batch(
            envelopes,
            session=session,
            outbox=outbox,
            calendar=await calendars.get(session),
            tz=tz,
            number_prefix=number_prefix,
            now=datetime.now(UTC),
            new_id=new_id,
        )

    return handle

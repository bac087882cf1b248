"""Kafka handlers of casework."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from shouwang_kit.ids import FreshIds
from shouwang_kit.messaging import BatchHandler, Handler, Outbox
from shouwang_proto import Envelope
from shouwang_proto.events import ComparisonAnsweredV1
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters.calendar_source import CalendarCache
from casework.app.comparisons import record_answer
from casework.app.intake_signal import handle_matched_batch, handle_matched_warning


def comparisons_handler() -> Handler:
    """Agencies' answers to casework's comparison requests go into their cases' trails (the
    consumer is given only `comparison.answered`)."""

    async def handle(session: AsyncSession, envelope: Envelope, _outbox: Outbox) -> None:
        answer = envelope.parsed()
        assert isinstance(answer, ComparisonAnsweredV1)
        await record_answer(answer, session=session)

    return handle


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

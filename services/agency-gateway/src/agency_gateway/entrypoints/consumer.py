"""Kafka handler of the gateway: downstream outcomes become per-row feedback."""

from __future__ import annotations

from datetime import UTC, datetime

from shouwang_kit.messaging import Outbox
from shouwang_proto import Envelope
from shouwang_proto.events import ComparisonRequestedV1
from sqlalchemy.ext.asyncio import AsyncSession

from agency_gateway.app.comparisons import store_request
from agency_gateway.app.feedback import record_outcome


async def outcomes_handler(session: AsyncSession, envelope: Envelope, _outbox: Outbox) -> None:
    """Matched / not in registry / case opened → the warning's outcome."""
    await record_outcome(envelope, session=session, now=datetime.now(UTC))


async def comparisons_handler(session: AsyncSession, envelope: Envelope, _outbox: Outbox) -> None:
    """Comparison requests addressed to agencies are kept for them to pull (the consumer is
    given only `comparison.requested`)."""
    event = envelope.parsed()
    assert isinstance(event, ComparisonRequestedV1)
    await store_request(event, session=session)

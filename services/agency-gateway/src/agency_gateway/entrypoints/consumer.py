"""Kafka handler of the gateway: downstream outcomes become per-row feedback."""

from __future__ import annotations

from datetime import UTC, datetime

from shouwang_kit.messaging import Outbox
from shouwang_proto import Envelope
from sqlalchemy.ext.asyncio import AsyncSession

from agency_gateway.app.feedback import record_outcome


async def outcomes_handler(session: AsyncSession, envelope: Envelope, _outbox: Outbox) -> None:
    """Matched / not in registry / case opened → the warning's outcome."""
    await record_outcome(envelope, session=session, now=datetime.now(UTC))

"""Kafka handlers of the matching service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shouwang_kit.messaging import Handler, Outbox
from shouwang_proto import Envelope
from shouwang_proto.events import HouseholdSnapshotV1
from sqlalchemy.ext.asyncio import AsyncSession

from matching.app.handlers import apply_household_snapshot, resolve_warning


def registry_handler(pseudonym_key: str) -> Handler:
    """Keeps the read model from the compacted household topic."""

    async def handle(session: AsyncSession, envelope: Envelope, _outbox: Outbox) -> None:
        snapshot = envelope.parsed()
        assert isinstance(snapshot, HouseholdSnapshotV1)
        await apply_household_snapshot(snapshot, session=session, pseudonym_key=pseudonym_key)

    return handle


def warnings_handler(pseudonym_key: str) -> Handler:
    """Resolves each warning and publishes the outcome."""

    async def handle(session: AsyncSession, envelope: Envelope, outbox: Outbox) -> None:
        await resolve_warning(
            envelope,
            session=session,
            outbox=outbox,
            pseudonym_key=pseudonym_key,
            now=datetime.now(UTC),
            new_id=uuid.uuid4,
        )

    return handle

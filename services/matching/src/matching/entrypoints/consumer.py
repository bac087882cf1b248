"""Kafka handlers of the matching service."""

from __future__ import annotations

from datetime import UTC, datetime

from shouwang_kit.crypto import FieldCipher
from shouwang_kit.messaging import BatchHandler, Handler, Outbox
from shouwang_proto import Envelope
from shouwang_proto.events import ComparisonAnsweredV1, HouseholdSnapshotV1
from sqlalchemy.ext.asyncio import AsyncSession

from matching.adapters.registry_index import RegistryIndex
from matching.app.handlers import record_comparison, resolve_batch
from matching.app.read_model import apply_household_snapshot


def registry_handler(pseudonym_key: str, cipher: FieldCipher) -> Handler:
    """Keeps the read model from the compacted household topic."""

    async def handle(session: AsyncSession, envelope: Envelope, _outbox: Outbox) -> None:
        snapshot = envelope.parsed()
        assert isinstance(snapshot, HouseholdSnapshotV1)
        await apply_household_snapshot(
            snapshot, session=session, pseudonym_key=pseudonym_key, cipher=cipher
        )

    return handle


def warnings_handler(index: RegistryIndex) -> BatchHandler:
    """Resolves a poll of warnings and publishes their outcomes."""

    async def handle(session: AsyncSession, envelopes: list[Envelope], outbox: Outbox) -> None:
        # Registry changes up to now first (at start-up, the whole registry unless the
        # keep-fresh loop has loaded it already); the decision time is taken after that.
        await index.refresh(session)
        await resolve_batch(
            envelopes,
            session=session,
            outbox=outbox,
            index=index,
            now=datetime.now(UTC),
        )

    return handle


def comparisons_handler() -> Handler:
    """Keeps eligibility flags from agencies' comparison answers (the consumer is given only
    `comparison.answered`)."""

    async def handle(session: AsyncSession, envelope: Envelope, _outbox: Outbox) -> None:
        answer = envelope.parsed()
        assert isinstance(answer, ComparisonAnsweredV1)
        await record_comparison(answer, session=session)

    return handle

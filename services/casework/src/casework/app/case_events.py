"""Case events casework starts itself (not caused by a message): into the outbox for
`shouwang.cases`, keyed by the household."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shouwang_kit.messaging import Outbox
from shouwang_proto import Envelope, EventPayload
from shouwang_proto.topics import CASES


async def add_case_event(
    outbox: Outbox, payload: EventPayload, *, household_id: UUID, now: datetime, message_id: UUID
) -> None:
    """Queue `payload` in the caller's transaction; its own id is its correlation id."""
    await outbox.add(
        CASES.name,
        Envelope.wrap(
            payload,
            id=message_id,
            time=now,
            source="casework",
            subject=str(household_id),
            correlation_id=message_id,
        ),
    )

"""Case events casework starts itself (not caused by a message): into the outbox for
`shouwang.cases`, keyed by the household."""

from __future__ import annotations

from datetime import datetime
from typing import Any
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


def case_place(case: Any) -> dict[str, Any]:
    """The fields every case event names its case and household by (from a `cases` row)."""
    return {
        "case_id": case.case_id,
        "case_number": case.case_number,
        "household_id": case.household_id,
        "region_code": case.region_code,
        "village_name": case.village_name,
        "township_name": case.township_name,
        "masked_name": case.masked_name,
    }

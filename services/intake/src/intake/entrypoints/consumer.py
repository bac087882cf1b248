"""Kafka handler of intake: casework's home visits kept as the month's visits."""

from __future__ import annotations

from datetime import UTC, datetime

from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox
from shouwang_proto import Envelope
from shouwang_proto.events import CaseVisitedV1
from sqlalchemy.ext.asyncio import AsyncSession

from intake.app.signals import record_case_visit

log = get_logger(__name__)


async def case_events_handler(session: AsyncSession, envelope: Envelope, _outbox: Outbox) -> None:
    """A case's 入户核查 becomes the household's visit of the month (the consumer is given
    only `case.visited`)."""
    event = envelope.parsed()
    assert isinstance(event, CaseVisitedV1)
    if not await record_case_visit(
        event, session=session, visit_id=envelope.id, now=datetime.now(UTC)
    ):
        log.warning("case_visit.household_unknown", case_number=event.case_number)

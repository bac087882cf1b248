"""Use cases: record alerts for an event (idempotently) and dispatch the pending ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shouwang_kit.logs import get_logger
from shouwang_proto import Envelope
from shouwang_proto.catalogue import load_catalogue
from shouwang_proto.events import CaseOpenedV1
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifier.adapters.channels import Channel, OutgoingMessage
from notifier.adapters.tables import deliveries
from notifier.domain.messages import Alert, alerts_for_case_opened

log = get_logger(__name__)


async def record_alerts(
    envelope: Envelope, *, session: AsyncSession, channel: str, tz: ZoneInfo, now: datetime
) -> int:
    """Turn a case event into pending deliveries; a repeated event adds nothing."""
    alerts: list[Alert] = []
    event = envelope.parsed()
    if isinstance(event, CaseOpenedV1):
        alerts = alerts_for_case_opened(
            event, event_id=envelope.id, channel=channel, catalogue=load_catalogue(), tz=tz
        )
    for alert in alerts:
        await session.execute(
            insert(deliveries)
            .values(
                delivery_key=alert.delivery_key,
                event_id=alert.event_id,
                case_id=alert.case_id,
                case_number=alert.case_number,
                channel=alert.channel,
                recipient=alert.recipient,
                message=alert.text,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .on_conflict_do_nothing()
        )
    return len(alerts)


async def dispatch_pending(
    *,
    sessions: async_sessionmaker[AsyncSession],
    channel: Channel,
    now: datetime,
    max_attempts: int,
    batch: int = 20,
) -> int:
    """Send due pending deliveries once each; returns how many were tried."""
    async with sessions() as session, session.begin():
        rows = (
            await session.execute(
                select(deliveries)
                .where(
                    deliveries.c.status == "pending",
                    deliveries.c.channel == channel.name,
                    deliveries.c.next_attempt_at <= now,
                )
                .order_by(deliveries.c.created_at)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for row in rows:
            result = await channel.send(row.recipient, OutgoingMessage(row.message))
            attempts = row.attempts + 1
            status = result.status
            if status == "retry" and attempts >= max_attempts:
                status = "failed"
            await session.execute(
                update(deliveries)
                .where(deliveries.c.delivery_key == row.delivery_key)
                .values(
                    status="pending" if status == "retry" else status,
                    attempts=attempts,
                    next_attempt_at=now + timedelta(seconds=min(300, 2**attempts)),
                    sent_at=now if status == "sent" else None,
                    last_error=result.detail or None,
                )
            )
            log.info(
                "delivery.attempted",
                case_number=row.case_number,
                channel=channel.name,
                status=status,
                attempts=attempts,
                detail=result.detail,
            )
    return len(rows)

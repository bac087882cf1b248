"""Use cases: record deliveries for an event (idempotently) and dispatch the due ones.

Exactly once, as far as the outside allows:
- a delivery key per (event, recipient, channel): a repeated event inserts nothing;
- a dispatcher *claims* rows (pending → sending) in one transaction, sends outside it, and
  records each answer in another; a row left `sending` by a dispatcher that died is never resent
  automatically — it becomes `unknown` and shows among the dead letters to be replayed by hand;
- transient errors retry with backoff; a permanent error (or too many transient ones) moves the
  alert to the officer's next channel (failover); with none left the delivery is `failed`.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_kit.logs import get_logger
from shouwang_proto import Envelope
from shouwang_proto.catalogue import load_catalogue
from shouwang_proto.events import (
    CaseAwaitingV1,
    CaseComparedV1,
    CaseDecidedV1,
    CaseOpenedV1,
    ClockAlertV1,
    FeedListOverdueV1,
)
from sqlalchemy import and_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifier.adapters.channels import Channel, OutgoingMessage, SendResult
from notifier.adapters.tables import deliveries
from notifier.domain.digest import (
    DIGEST_ROLES,
    digest_event_id,
    digest_text,
    due_items,
    end_of_tomorrow,
)
from notifier.domain.messages import (
    Alert,
    Notice,
    alerts_for_case_opened,
    case_awaiting_notice,
    case_compared_notice,
    case_decided_notice,
    case_opened_notice,
    clock_alert_notice,
    list_overdue_notice,
)
from notifier.domain.routing import (
    OfficerContact,
    QuietHours,
    Rule,
    channel_plan,
    plan_deliveries,
)

log = get_logger(__name__)
STUCK_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Routing:
    """The notifier's configuration for personal alerts."""

    directory: tuple[OfficerContact, ...]
    rules: Mapping[str, Rule]
    enabled: tuple[str, ...]
    quiet: QuietHours
    county_code: str
    group_channel: str


def delivery_key(event_id: UUID, recipient: str, channel: str) -> str:
    """Identity of a delivery: one per (event, recipient, channel)."""
    return hashlib.sha256(f"{event_id}|{recipient}|{channel}".encode()).hexdigest()


def notice_for(envelope: Envelope, routing: Routing, tz: ZoneInfo) -> Notice | None:
    """The personal notice an event calls for, if any."""
    event = envelope.parsed()
    if isinstance(event, CaseOpenedV1):
        return case_opened_notice(event, load_catalogue(), tz)
    if isinstance(event, FeedListOverdueV1):
        return list_overdue_notice(event, load_catalogue(), routing.county_code)
    if isinstance(event, ClockAlertV1):
        return clock_alert_notice(event, tz)
    if isinstance(event, CaseDecidedV1):
        return case_decided_notice(event, tz)
    if isinstance(event, CaseComparedV1):
        return case_compared_notice(event, tz)
    if isinstance(event, CaseAwaitingV1):
        return case_awaiting_notice(event)
    return None


async def _insert(session: AsyncSession, row: dict[str, Any]) -> bool:
    inserted = await session.execute(
        insert(deliveries)
        .values(**row)
        .on_conflict_do_nothing()
        .returning(deliveries.c.delivery_key)
    )
    return inserted.first() is not None


async def record_alerts(
    envelope: Envelope, *, session: AsyncSession, routing: Routing, tz: ZoneInfo, now: datetime
) -> int:
    """Turn an event into pending deliveries; a repeated event adds nothing."""
    count = 0
    event = envelope.parsed()
    group: list[Alert] = []
    region: str | None = None
    if isinstance(event, CaseOpenedV1) and routing.group_channel:
        region = event.region_code
        group = alerts_for_case_opened(
            event,
            event_id=envelope.id,
            channel=routing.group_channel,
            catalogue=load_catalogue(),
            tz=tz,
        )
    for alert in group:
        count += await _insert(
            session,
            {
                "delivery_key": alert.delivery_key,
                "event_id": alert.event_id,
                "case_id": alert.case_id,
                "case_number": alert.case_number,
                "region_code": region,
                "channel": alert.channel,
                "recipient": alert.recipient,
                "message": alert.text,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
    notice = notice_for(envelope, routing, tz)
    rule = routing.rules.get(notice.rule) if notice else None
    if notice is None or rule is None:
        return count
    for plan in plan_deliveries(
        rule,
        region_code=notice.region_code,
        directory=routing.directory,
        enabled=routing.enabled,
        quiet=routing.quiet,
        now=now,
    ):
        steps = [{"channel": c, "recipient": plan.officer.address(c) or ""} for c in plan.channels]
        first = steps[0]
        count += await _insert(
            session,
            {
                "delivery_key": delivery_key(
                    envelope.id, plan.officer.officer_id, first["channel"]
                ),
                "event_id": envelope.id,
                "case_id": notice.case_id,
                "case_number": notice.case_number,
                "region_code": notice.region_code,
                "channel": first["channel"],
                "recipient": first["recipient"],
                "message": notice.text,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": plan.not_before,
                "created_at": now,
                "officer_id": plan.officer.officer_id,
                "plan": steps,
                "plan_index": 0,
                "template": notice.template,
                "params": notice.params,
                "urgent": rule.urgent,
            },
        )
    return count


async def _claim(
    sessions: async_sessionmaker[AsyncSession],
    channels: Mapping[str, Channel],
    now: datetime,
    batch: int,
) -> list[Any]:
    async with sessions() as session, session.begin():
        # A dispatcher that died mid-send left rows `sending`: never resend them blindly.
        await session.execute(
            update(deliveries)
            .where(deliveries.c.status == "sending", deliveries.c.claimed_at < now - STUCK_AFTER)
            .values(status="unknown", last_error="dispatcher stopped while sending")
        )
        due = (
            select(deliveries.c.delivery_key)
            .where(
                deliveries.c.status == "pending",
                deliveries.c.channel.in_(list(channels)),
                deliveries.c.next_attempt_at <= now,
            )
            .order_by(deliveries.c.next_attempt_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        rows = (
            await session.execute(
                update(deliveries)
                .where(deliveries.c.delivery_key.in_(due.scalar_subquery()))
                .values(status="sending", claimed_at=now)
                .returning(deliveries)
            )
        ).all()
    return list(rows)


async def _record(
    session: AsyncSession,
    row: Any,
    result: SendResult,
    *,
    now: datetime,
    max_attempts: int,
    quiet: QuietHours,
) -> str:
    attempts = row.attempts + 1
    status = result.status
    if status == "retry" and attempts >= max_attempts:
        status = "failed"
    common = {
        "attempts": attempts,
        "last_error": result.detail or None,
        "provider_code": result.code or None,
        "claimed_at": None,
    }
    if status == "sent":
        values = {**common, "status": "sent", "sent_at": now, "provider_id": result.provider_id}
    elif status == "retry":
        backoff = timedelta(seconds=min(600, 2 * 2**attempts))
        values = {**common, "status": "pending", "next_attempt_at": now + backoff}
    else:
        values = {**common, "status": "failed"}
    await session.execute(
        update(deliveries).where(deliveries.c.delivery_key == row.delivery_key).values(**values)
    )
    if status == "failed" and row.plan and row.plan_index + 1 < len(row.plan):
        step = row.plan[row.plan_index + 1]
        await _insert(
            session,
            {
                "delivery_key": delivery_key(row.event_id, row.officer_id, step["channel"]),
                "event_id": row.event_id,
                "case_id": row.case_id,
                "case_number": row.case_number,
                "region_code": row.region_code,
                "channel": step["channel"],
                "recipient": step["recipient"],
                "message": row.message,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": quiet.send_at(now, channel=step["channel"], urgent=row.urgent),
                "created_at": now,
                "officer_id": row.officer_id,
                "plan": row.plan,
                "plan_index": row.plan_index + 1,
                "template": row.template,
                "params": row.params,
                "urgent": row.urgent,
            },
        )
        return "failover"
    return status


async def dispatch_pending(
    *,
    sessions: async_sessionmaker[AsyncSession],
    channels: Mapping[str, Channel],
    now: datetime,
    max_attempts: int,
    quiet: QuietHours,
    batch: int = 50,
) -> int:
    """Claim due deliveries, send them (concurrently), record each answer; returns how many."""
    rows = await _claim(sessions, channels, now, batch)
    if not rows:
        return 0

    async def send(row: Any) -> SendResult:
        message = OutgoingMessage(row.message, row.template or "", dict(row.params or {}))
        try:
            return await channels[row.channel].send(row.recipient, message)
        except Exception as exc:  # a channel bug must not leave the row claimed forever
            return SendResult("retry", type(exc).__name__, "exception")

    results = await asyncio.gather(*(send(row) for row in rows))
    async with sessions() as session, session.begin():
        for row, result in zip(rows, results, strict=True):
            outcome = await _record(
                session, row, result, now=now, max_attempts=max_attempts, quiet=quiet
            )
            log.info(
                "delivery.attempted",
                case_number=row.case_number,
                channel=row.channel,
                outcome=outcome,
                provider_code=result.code,
                attempts=row.attempts + 1,
            )
    return len(rows)


async def replay(session: AsyncSession, key: str, now: datetime) -> bool:
    """Put a failed or unknown delivery back in the queue (an operator's decision)."""
    result = await session.execute(
        update(deliveries)
        .where(
            and_(deliveries.c.delivery_key == key, deliveries.c.status.in_(["failed", "unknown"]))
        )
        .values(status="pending", attempts=0, next_attempt_at=now, claimed_at=None)
        .returning(deliveries.c.delivery_key)
    )
    return result.first() is not None


async def mark_delivered(
    session: AsyncSession, provider_id: str, state: str, now: datetime
) -> None:
    """A delivery report: the provider says the message reached (or did not reach) the phone."""
    values = (
        {"status": "delivered", "delivered_at": now}
        if state == "delivered"
        else {"status": "failed", "last_error": "delivery report: not delivered"}
    )
    await session.execute(
        update(deliveries)
        .where(deliveries.c.provider_id == provider_id, deliveries.c.status == "sent")
        .values(**values)
    )


async def record_digests(
    *,
    session: AsyncSession,
    routing: Routing,
    fetch_cases: Callable[[str], Awaitable[list[dict[str, Any]]]],
    tz: ZoneInfo,
    now: datetime,
) -> int:
    """Today's digest for every officer who has something overdue or due by tomorrow night."""
    day = now.astimezone(tz).date()
    until = end_of_tomorrow(now, tz)
    count = 0
    for officer in routing.directory:
        if officer.role not in DIGEST_ROLES:
            continue
        items = due_items(await fetch_cases(officer.region_code), until=until)
        channels = channel_plan(officer, routing.enabled)
        if not items or not channels:
            continue
        event_id = digest_event_id(day, officer.officer_id)
        steps = [{"channel": c, "recipient": officer.address(c) or ""} for c in channels]
        count += await _insert(
            session,
            {
                "delivery_key": delivery_key(event_id, officer.officer_id, channels[0]),
                "event_id": event_id,
                "region_code": officer.region_code,
                "channel": channels[0],
                "recipient": steps[0]["recipient"],
                "message": digest_text(day, items, tz),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": routing.quiet.send_at(now, channel=channels[0], urgent=False),
                "created_at": now,
                "officer_id": officer.officer_id,
                "plan": steps,
                "plan_index": 0,
                "template": "digest",
                "params": {"day": f"{day.month}月{day.day}日", "count": str(len(items))},
                "urgent": False,
            },
        )
    return count

"""The review queue (人工核对): county staff confirm a candidate, choose another person, or reject.

Every decision is recorded in `review_actions` (who, when, why) and flows on as `warning.matched`
(method `review_confirmed`) or `warning.unmatched` (`review_rejected`). A reviewer decides only
items inside their region (`scope`, a region code prefix); an item whose warning named no
region is the county's, open to every reviewer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from shouwang_kit.db import driver_connection
from shouwang_kit.idnumber import IdNumberError, validate_id_number
from shouwang_kit.messaging import Outbox
from shouwang_kit.pii import keyed_hash
from shouwang_proto import Envelope
from shouwang_proto.events import WarningReceivedV1, WarningUnmatchedV1
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from matching.adapters.tables import decisions, persons, review_actions, reviews
from matching.app.handlers import (
    keep_unmatched,
    matched_event,
    publish_outcome,
    unmatched_record,
)


class ReviewError(Exception):
    """A review decision that cannot be taken: HTTP status, machine code, Chinese message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


def in_scope(region_code: str | None, scope: str) -> bool:
    """True when a review item lies in a reviewer's region (`scope`: a region code prefix);
    an item without a region is the county's."""
    return region_code is None or region_code.startswith(scope)


async def _open_review(session: AsyncSession, warning_id: UUID, scope: str) -> Any:
    row = (
        await session.execute(
            select(reviews).where(reviews.c.warning_id == warning_id).with_for_update()
        )
    ).first()
    if row is None:
        raise ReviewError(404, "review.not_found", "未找到该待核对预警")
    if not in_scope(row.region_code, scope):
        raise ReviewError(403, "scope.forbidden", "该预警不在您负责的区域内，无权核对")
    if row.state != "open":
        raise ReviewError(409, "review.decided", f"该预警已核对（{row.state}），不能重复处理")
    return row


async def _record(
    session: AsyncSession,
    *,
    warning_id: UUID,
    action: str,
    actor: str,
    person_id: UUID | None,
    reason: str,
    now: datetime,
) -> None:
    await session.execute(
        insert(review_actions).values(
            warning_id=warning_id,
            action=action,
            actor=actor,
            person_id=person_id,
            reason=reason,
            at=now,
        )
    )


async def person_by_id_number(session: AsyncSession, id_number: str, pseudonym_key: str) -> UUID:
    """The registered person an ID number names (how county staff choose someone the
    shortlist lacks); ReviewError when the number is not an ID or nobody registered holds it."""
    try:
        number = validate_id_number(id_number)
    except IdNumberError as exc:
        raise ReviewError(422, exc.code, exc.message) from None
    found: UUID | None = await session.scalar(
        select(persons.c.person_id).where(
            persons.c.id_hash == keyed_hash(pseudonym_key, number), persons.c.removed.is_(False)
        )
    )
    if found is None:
        raise ReviewError(422, "review.person_unknown", "农户信息库中没有该身份证号码的人员")
    return found


async def confirm_review(
    warning_id: UUID,
    *,
    actor: str,
    scope: str,
    reason: str,
    person_id: UUID | None,
    session: AsyncSession,
    outbox: Outbox,
    now: datetime,
    new_id: Callable[[], UUID],
) -> Literal["confirm", "choose"]:
    """Match the warning to a candidate (the best one unless `person_id` names another person)."""
    row = await _open_review(session, warning_id, scope)
    candidates = {UUID(c["person_id"]): c for c in row.candidates}
    if person_id is None:
        if not candidates:
            raise ReviewError(422, "review.person_required", "没有候选人员，请指定对应人员")
        person_id = max(candidates, key=lambda p: candidates[p]["score"])
    action: Literal["confirm", "choose"] = "confirm" if person_id in candidates else "choose"
    known = (
        await session.execute(
            select(persons.c.person_id, persons.c.region_code).where(
                persons.c.person_id == person_id, persons.c.removed.is_(False)
            )
        )
    ).first()
    if known is None:
        raise ReviewError(422, "review.person_unknown", "所选人员不在农户信息库中")
    if not in_scope(known.region_code, scope):
        raise ReviewError(403, "scope.forbidden", "所选人员不在您负责的区域内")
    envelope = Envelope.model_validate(row.envelope)
    warning = envelope.parsed()
    assert isinstance(warning, WarningReceivedV1)
    score = float(candidates[person_id]["score"]) if person_id in candidates else 1.0
    event = await matched_event(
        warning,
        person_id=person_id,
        score=score,
        reasons=[f"review:{action}", *candidates.get(person_id, {}).get("reasons", [])],
        method="review_confirmed",
        session=session,
        now=now,
    )
    await session.execute(
        update(reviews)
        .where(reviews.c.warning_id == warning_id)
        .values(state="confirmed", decided_at=now, decided_by=actor, person_id=person_id)
    )
    await session.execute(
        update(decisions)
        .where(decisions.c.warning_id == warning_id)
        .values(
            outcome="matched",
            person_id=person_id,
            household_id=event.household_id if event else None,
            reason_code=f"review_{action}",
        )
    )
    await _record(
        session,
        warning_id=warning_id,
        action=action,
        actor=actor,
        person_id=person_id,
        reason=reason,
        now=now,
    )
    if event is not None:
        await publish_outcome(event, envelope=envelope, outbox=outbox, now=now, message_id=new_id())
    return action


async def reject_review(
    warning_id: UUID,
    *,
    actor: str,
    scope: str,
    reason: str,
    session: AsyncSession,
    outbox: Outbox,
    now: datetime,
    new_id: Callable[[], UUID],
) -> None:
    """None of the candidates: the warning is reported as not in the registry."""
    row = await _open_review(session, warning_id, scope)
    envelope = Envelope.model_validate(row.envelope)
    warning = envelope.parsed()
    assert isinstance(warning, WarningReceivedV1)
    await session.execute(
        update(reviews)
        .where(reviews.c.warning_id == warning_id)
        .values(state="rejected", decided_at=now, decided_by=actor)
    )
    await session.execute(
        update(decisions)
        .where(decisions.c.warning_id == warning_id)
        .values(outcome="unmatched", reason_code="review_rejected")
    )
    await _record(
        session,
        warning_id=warning_id,
        action="reject",
        actor=actor,
        person_id=None,
        reason=reason,
        now=now,
    )
    payload = WarningUnmatchedV1(
        warning=warning,
        reason_code="review_rejected",
        reason=f"人工核对认定不是库内人员：{reason}",
    )
    warning_json = json.dumps(row.envelope["payload"], ensure_ascii=False)
    await keep_unmatched(  # 库外人员, beside the linker's
        await driver_connection(session),
        [unmatched_record(warning, payload.reason_code, payload.reason, warning_json, now)],
    )
    await publish_outcome(payload, envelope=envelope, outbox=outbox, now=now, message_id=new_id())

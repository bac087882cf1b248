"""HTTP API of the review queue (人工核对) and of household signals, for county staff.

Every route takes an officer's bearer token (`shouwang_kit.auth`). The review queue is the
county office's (`county_office`): it sees and decides the items inside its region, and the
officer the token names is who the audit trail records. A household's signals are open to any
officer whose region holds the household.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from shouwang_kit.auth import (
    CurrentOfficer,
    Officer,
    region_prefix,
    require_role,
    require_scope,
)
from shouwang_kit.crypto import FieldCipher
from shouwang_kit.messaging import Outbox
from shouwang_kit.pii import mask_id_number, mask_phone
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError
from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.adapters.tables import (
    eligibility_flags,
    household_signals,
    households,
    outbox,
    persons,
    review_actions,
    reviews,
    signal_warnings,
    unmatched,
)
from matching.app.reviews import (
    ReviewError,
    confirm_review,
    in_scope,
    person_by_id_number,
    reject_review,
)
from matching.domain.reasons import reason_text

router = APIRouter(prefix="/v1", tags=["review queue"])


class ConfirmIn(BaseModel):
    """Confirm the best candidate, or choose another registered person (the reviewer is the
    officer the bearer token names)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="核对说明")
    person_id: uuid.UUID | None = Field(
        default=None, description="改选的人员（不填则为首选候选人）"
    )
    id_number: str | None = Field(
        default=None,
        max_length=32,
        description="按身份证号码改选库内人员（候选名单中没有时；与 person_id 二选一）",
    )


class RejectIn(BaseModel):
    """None of the candidates is the person (the reviewer is the officer the token names)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="不匹配的理由")


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _cipher(runtime: ServiceRuntime) -> FieldCipher:
    return FieldCipher(runtime.settings.data_keys)


REVIEWERS = frozenset({"county_office"})


def _reviewer(officer: CurrentOfficer) -> Officer:
    """The calling officer, when their role reviews (FastAPI dependency); else 403."""
    return require_role(
        officer,
        REVIEWERS,
        "人工核对由县级乡村振兴部门办理，您的角色无权查看或核对",
        code="review.forbidden",
    )


Reviewer = Annotated[Officer, Depends(_reviewer)]


def _actor(officer: Officer) -> str:
    """How the audit trail names a reviewer: name and officer id."""
    return (f"{officer.name}（{officer.officer_id}）" if officer.name else officer.officer_id)[:100]


# A region to narrow a list to, inside the officer's own (see `_in_region`).
RegionFilter = Annotated[
    str | None,
    Query(
        pattern="^[0-9]{2,12}$",
        description="区划代码（12位）或其前缀，只在本人负责的区域内筛选",
    ),
]


def _in_region(query: Select[Any], column: Any, officer: Officer, region: str | None) -> Any:
    """`query` narrowed to the officer's region (rows without a region are the county's, seen by
    every reviewer) and, when given, to `region`: a full code stands for the division it names
    (532929101000: the township), a shorter one is a prefix."""
    query = query.where(column.startswith(officer.scope) | column.is_(None))
    if region:
        query = query.where(
            column.startswith(region_prefix(region) if len(region) == 12 else region)
        )
    return query


async def _page(
    session: AsyncSession, query: Select[Any], order: Sequence[Any], offset: int, limit: int
) -> tuple[Sequence[Row[Any]], int]:
    """One page of `query` in `order`, and how many rows it has in all (counted only when the
    page does not tell: it is full, or empty past the first)."""
    rows = (await session.execute(query.order_by(*order).offset(offset).limit(limit))).all()
    total = offset + len(rows)
    if len(rows) == limit or (offset and not rows):
        counted = select(func.count()).select_from(query.subquery())
        total = await session.scalar(counted) or 0
    return rows, total


@router.get("/reviews")
async def list_reviews(
    request: Request,
    officer: Reviewer,
    state: Annotated[str, Query(pattern="^(open|confirmed|rejected)$")] = "open",
    region: RegionFilter = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, description="跳过最早的若干条（翻页）")] = 0,
) -> dict[str, Any]:
    """Review items inside the officer's region, oldest first (items whose warning named no
    region are the county's, listed for every reviewer); `total`: how many there are in all,
    `offset` pages on."""
    query = _in_region(
        select(reviews).where(reviews.c.state == state), reviews.c.region_code, officer, region
    )
    async with _runtime(request).sessions() as session:
        rows, total = await _page(
            session, query, (reviews.c.queued_at, reviews.c.warning_id), offset, limit
        )
    return {
        "total": total,
        "items": [
            {
                "warning_id": str(r.warning_id),
                "state": r.state,
                "reason": r.reason,
                "agency_code": r.envelope["payload"]["agency_code"],
                "signal_type": r.envelope["payload"]["signal_type"],
                "region_code": r.region_code,
                "candidates": len(r.candidates),
                "queued_at": r.queued_at.isoformat(),
            }
            for r in rows
        ],
    }


@router.get("/unmatched", tags=["not in the registry"])
async def list_unmatched(
    request: Request,
    officer: Reviewer,
    region: RegionFilter = None,
    agency: Annotated[str | None, Query(max_length=40, description="报送部门代码")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, description="跳过最新的若干条（翻页）")] = 0,
) -> dict[str, Any]:
    """库外人员: warnings about someone the registry lacks, newest first — a household it does
    not have yet, an agency's wrong row, a stranger — with the reason in words (the linker's,
    or the reviewer's who rejected a review item). Inside the officer's region, as the review
    queue; warnings that named no region are the county's. ID numbers and phones masked."""
    query = _in_region(select(unmatched), unmatched.c.region_code, officer, region)
    if agency:
        query = query.where(unmatched.c.agency_code == agency)
    async with _runtime(request).sessions() as session:
        rows, total = await _page(
            session, query, (unmatched.c.decided_at.desc(), unmatched.c.warning_id), offset, limit
        )
    return {
        "total": total,
        "items": [
            {
                "warning_id": str(r.warning_id),
                "agency_code": r.agency_code,
                "signal_type": r.signal_type,
                "occurred_on": r.occurred_on.isoformat(),
                "region_code": r.region_code,
                "reason_code": r.reason_code,
                "reason": r.reason,
                "person": _person_view(r.warning.get("person") or {}),
                "decided_at": r.decided_at.isoformat(),
            }
            for r in rows
        ],
    }


def _person_view(person: dict[str, Any]) -> dict[str, Any]:
    id_number = person.get("id_number")
    phone = person.get("phone")
    return {
        "name": person.get("name"),
        "id_number": mask_id_number(id_number) if id_number else None,
        "birth_date": str(person["birth_date"]) if person.get("birth_date") else None,
        "phone": mask_phone(phone) if phone else None,
        "region_code": person.get("region_code"),
    }


@router.get("/reviews/{warning_id}")
async def get_review(warning_id: uuid.UUID, request: Request, officer: Reviewer) -> dict[str, Any]:
    """The warning and its candidates side by side (ID numbers and phones masked)."""
    scope = officer.scope
    runtime = _runtime(request)
    cipher = _cipher(runtime)
    async with runtime.sessions() as session:
        row = (
            await session.execute(select(reviews).where(reviews.c.warning_id == warning_id))
        ).first()
        if row is None:
            raise ApiError(404, "review.not_found", "未找到该待核对预警")
        if not in_scope(row.region_code, scope):
            raise ApiError(403, "scope.forbidden", "该预警不在您负责的区域内，无权查看")
        ids = [uuid.UUID(c["person_id"]) for c in row.candidates]
        found = {
            p.person_id: p
            for p in (
                await session.execute(
                    select(persons, households.c.household_number, households.c.village_name)
                    .join(households, households.c.household_id == persons.c.household_id)
                    .where(persons.c.person_id.in_(ids))
                )
            ).all()
        }
        trail = (
            await session.execute(
                select(review_actions)
                .where(review_actions.c.warning_id == warning_id)
                .order_by(review_actions.c.action_id)
            )
        ).all()
    warning = row.envelope["payload"]
    candidates = []
    for c in row.candidates:
        p = found.get(uuid.UUID(c["person_id"]))
        view: dict[str, Any] = {
            "person_id": c["person_id"],
            "score": c["score"],
            "reasons": c["reasons"],
            "reasons_zh": [reason_text(code) for code in c["reasons"]],
        }
        if p is not None:
            view |= _person_view(
                {
                    "name": p.name,
                    "id_number": cipher.decrypt_optional(p.id_enc, field="id_number"),
                    "birth_date": p.birth_date,
                    "phone": cipher.decrypt_optional(p.phone_enc, field="phone"),
                    "region_code": p.region_code,
                }
            ) | {
                "gender": p.gender,
                "household_number": p.household_number,
                "village_name": p.village_name,
            }
        candidates.append(view)
    return {
        "warning_id": str(row.warning_id),
        "state": row.state,
        "reason": row.reason,
        "warning": {
            "agency_code": warning["agency_code"],
            "signal_type": warning["signal_type"],
            "occurred_on": warning["occurred_on"],
            "person": _person_view(warning["person"]),
        },
        "candidates": candidates,
        "actions": [
            {
                "action": a.action,
                "actor": a.actor,
                "person_id": str(a.person_id) if a.person_id else None,
                "reason": a.reason,
                "at": a.at.isoformat(),
            }
            for a in trail
        ],
    }


async def _decide(
    request: Request, warning_id: uuid.UUID, body: ConfirmIn | RejectIn, officer: Officer
) -> dict[str, str]:
    """Confirm or reject for a reviewer (`Reviewer` has checked the role)."""
    scope = officer.scope
    runtime = _runtime(request)
    now = datetime.now(UTC)
    try:
        async with runtime.sessions() as session, session.begin():
            box = Outbox(outbox, session)
            if isinstance(body, ConfirmIn):
                person_id = body.person_id
                if body.id_number is not None:
                    if person_id is not None:
                        raise ReviewError(
                            422, "review.choose_one", "person_id 与 id_number 只能填写其一"
                        )
                    person_id = await person_by_id_number(
                        session, body.id_number, runtime.settings.pseudonym_key
                    )
                action: str = await confirm_review(
                    warning_id,
                    actor=_actor(officer),
                    scope=scope,
                    reason=body.reason,
                    person_id=person_id,
                    session=session,
                    outbox=box,
                    now=now,
                    new_id=uuid.uuid4,
                )
            else:
                await reject_review(
                    warning_id,
                    actor=_actor(officer),
                    scope=scope,
                    reason=body.reason,
                    session=session,
                    outbox=box,
                    now=now,
                    new_id=uuid.uuid4,
                )
                action = "reject"
    except ReviewError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    runtime.wake_outbox()
    return {"warning_id": str(warning_id), "action": action}


@router.post("/reviews/{warning_id}/confirm")
async def post_confirm(
    warning_id: uuid.UUID, body: ConfirmIn, request: Request, officer: Reviewer
) -> dict[str, str]:
    """Confirm the best candidate or choose another person; flows on as warning.matched."""
    return await _decide(request, warning_id, body, officer)


@router.post("/reviews/{warning_id}/reject")
async def post_reject(
    warning_id: uuid.UUID, body: RejectIn, request: Request, officer: Reviewer
) -> dict[str, str]:
    """No candidate is the person; flows on as warning.unmatched."""
    return await _decide(request, warning_id, body, officer)


@router.get("/signals", tags=["household signals"])
async def get_signals(
    request: Request,
    officer: CurrentOfficer,
    household_id: Annotated[uuid.UUID, Query(description="户ID")],
) -> dict[str, Any]:
    """A household's signals by period, each with its warnings, and the eligibility flags
    (for an officer whose region holds the household)."""
    async with _runtime(request).sessions() as session:
        region = await session.scalar(
            select(households.c.region_code).where(households.c.household_id == household_id)
        )
        if region is None:
            raise ApiError(404, "household.not_found", "农户信息库中没有该户")
        require_scope(officer, region, "该农户不在您负责的区域内，无权查看")
        signals = (
            await session.execute(
                select(household_signals)
                .where(household_signals.c.household_id == household_id)
                .order_by(household_signals.c.period)
            )
        ).all()
        warnings = (
            await session.execute(
                select(signal_warnings).where(
                    signal_warnings.c.signal_id.in_([s.signal_id for s in signals])
                )
            )
        ).all()
        flags = (
            await session.execute(
                select(eligibility_flags).where(eligibility_flags.c.household_id == household_id)
            )
        ).all()
    joined: dict[uuid.UUID, list[dict[str, str]]] = {}
    for w in warnings:
        joined.setdefault(w.signal_id, []).append(
            {
                "warning_id": str(w.warning_id),
                "agency_code": w.agency_code,
                "signal_type": w.signal_type,
                "occurred_on": w.occurred_on.isoformat(),
            }
        )
    return {
        "household_id": str(household_id),
        "signals": [
            {"signal_id": str(s.signal_id), "period": s.period, "warnings": joined[s.signal_id]}
            for s in signals
            # A signal opened for a poll that then rolled back has no warnings until it is
            # retried: not shown.
            if s.signal_id in joined
        ],
        "eligibility_flags": [
            {"check": f.check, "found": f.found, "agency_code": f.agency_code, "detail": f.detail}
            for f in flags
        ],
    }

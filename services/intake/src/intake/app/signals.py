"""Use cases: a self-declaration or a cadre visit becomes a warning on the agencies' path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_kit.messaging import Outbox
from shouwang_proto import Envelope
from shouwang_proto.events import CaseVisitedV1, PersonRef, WarningReceivedV1
from shouwang_proto.topics import WARNINGS
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from intake.adapters.tables import (
    declaration_photos,
    declarations,
    households,
    regions,
    used_challenges,
    visits,
)
from intake.app.registry import Keys, load_household
from intake.domain.declarations import Declaration, receipt_number
from intake.domain.photos import Photo
from intake.domain.regions import scope_prefix
from intake.domain.signals import CADRE_VISIT, SELF_DECLARATION, intake_warning
from intake.domain.visits import VillageCoverage, Visit, VisitError, coverage, month_of


class TooManyDeclarations(Exception):
    """The same person declared too often today."""


async def _queue_warning(
    outbox: Outbox, warning: WarningReceivedV1, *, keys: Keys, now: datetime, message_id: UUID
) -> None:
    id_number = warning.person.id_number
    subject = keys.id_hash(id_number) if id_number else str(warning.warning_id)
    envelope = Envelope.wrap(
        warning,
        id=message_id,
        time=now,
        source="intake",
        subject=subject,
        correlation_id=warning.warning_id,
    )
    await outbox.add(WARNINGS.name, envelope)


async def village_codes(session: AsyncSession) -> dict[str, tuple[str, str]]:
    """Every village: code → (township name, village name)."""
    town = regions.alias("town")
    rows = await session.execute(
        select(regions.c.code, town.c.name, regions.c.name)
        .join(town, town.c.code == regions.c.parent_code)
        .where(regions.c.level == 5)
        .order_by(regions.c.code)
    )
    return {code: (t, v) for code, t, v in rows.all()}


async def claim_challenge(session: AsyncSession, nonce: str, now: datetime) -> bool:
    """Mark a challenge answered; False if it was answered before (a replay)."""
    result = await session.execute(
        insert(used_challenges)
        .values(nonce=nonce[:40], used_at=now)
        .on_conflict_do_nothing()
        .returning(used_challenges.c.nonce)
    )
    return result.first() is not None


async def submit_declaration(
    declaration: Declaration,
    *,
    session: AsyncSession,
    outbox: Outbox,
    keys: Keys,
    now: datetime,
    new_id: Callable[[], UUID],
    per_person_per_day: int,
    tz: ZoneInfo,
    photos: Sequence[Photo] = (),
) -> str:
    """Store a declaration (with its photos, checked: `prepare_photo`) and queue its warning;
    returns the receipt number. The day (the receipt's date, the limit per person and day, the
    warning's date) is the county's (`tz`)."""
    id_hash = keys.id_hash(declaration.id_number)
    local = now.astimezone(tz)
    start_of_day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    today_count = await session.scalar(
        select(func.count())
        .select_from(declarations)
        .where(declarations.c.id_hash == id_hash, declarations.c.submitted_at >= start_of_day)
    )
    if (today_count or 0) >= per_person_per_day:
        raise TooManyDeclarations
    declaration_id, warning_id = new_id(), new_id()
    receipt = receipt_number(local, declaration_id.hex)
    await session.execute(
        insert(declarations).values(
            declaration_id=declaration_id,
            receipt_number=receipt,
            village_code=declaration.village_code,
            name=declaration.name,
            id_hash=id_hash,
            id_enc=keys.cipher.encrypt(declaration.id_number, field="id_number"),
            phone_enc=keys.cipher.encrypt(declaration.phone, field="phone"),
            reason=declaration.reason,
            description=declaration.description,
            consent_version="2026-11",
            warning_id=warning_id,
            submitted_at=now,
        )
    )
    if photos:
        await session.execute(
            insert(declaration_photos),
            [
                {
                    "declaration_id": declaration_id,
                    "position": position,
                    "width": photo.width,
                    "height": photo.height,
                    "data_enc": keys.cipher.encrypt_bytes(photo.data, field="photo"),
                }
                for position, photo in enumerate(photos, start=1)
            ],
        )
    warning = intake_warning(
        kind=SELF_DECLARATION,
        warning_id=warning_id,
        reason=declaration.reason,
        person=PersonRef(
            name=declaration.name,
            id_number=declaration.id_number,
            phone=declaration.phone,
            region_code=declaration.village_code,
        ),
        occurred_on=local.date(),
        received_at=now,
        source_record_id=receipt,
        description=declaration.description,
        photos=len(photos),
    )
    await _queue_warning(outbox, warning, keys=keys, now=now, message_id=new_id())
    return receipt


async def record_case_visit(
    event: CaseVisitedV1, *, session: AsyncSession, visit_id: UUID, now: datetime
) -> bool:
    """A case's home visit (入户核查, recorded in casework) kept as the household's visit of
    that month (一月一排查): the cadre records it once. `visit_id` is the event's id, so a
    redelivered event adds nothing. False when the registry does not hold the household."""
    region = (
        await session.execute(
            select(households.c.region_code).where(households.c.household_id == event.household_id)
        )
    ).scalar_one_or_none()
    if region is None:
        return False
    await session.execute(
        insert(visits)
        .values(
            visit_id=visit_id,
            household_id=event.household_id,
            region_code=region,
            month=month_of(event.visited_on),
            visit_date=event.visited_on,
            visitor=event.visitor,
            findings=f"入户核查（案件 {event.case_number}）：{event.findings}".strip(),
            risk_flag=False,
            warning_id=None,
            recorded_at=now,
            recorded_by="casework",
        )
        .on_conflict_do_nothing(index_elements=["visit_id"])
    )
    return True


async def record_visit(
    visit: Visit,
    *,
    session: AsyncSession,
    outbox: Outbox,
    keys: Keys,
    now: datetime,
    new_id: Callable[[], UUID],
    recorded_by: str | None = None,
    scope: str = "",
) -> tuple[UUID, UUID | None]:
    """Store a home visit; with a warning reason, queue a warning about the household's head.
    `scope`: the region prefix the recording officer answers for (a household outside it is
    refused); `recorded_by`: their id."""
    household = (
        await session.execute(
            select(households.c.household_id, households.c.region_code).where(
                households.c.household_number == visit.household_number
            )
        )
    ).first()
    if household is None:
        raise VisitError("household_number", "household.not_found", "未找到该户编号的农户")
    if not household.region_code.startswith(scope):
        raise VisitError("household_number", "scope.forbidden", "该农户不在您负责的区域内")
    visit_id = new_id()
    warning_id = new_id() if visit.warning_reason else None
    await session.execute(
        insert(visits).values(
            visit_id=visit_id,
            household_id=household.household_id,
            region_code=household.region_code,
            month=month_of(visit.visit_date),
            visit_date=visit.visit_date,
            visitor=visit.visitor.strip(),
            findings=visit.findings.strip(),
            risk_flag=visit.risk_flag,
            warning_id=warning_id,
            recorded_at=now,
            recorded_by=recorded_by,
        )
    )
    if visit.warning_reason and warning_id is not None:
        record, _ = await load_household(session, household.household_id, keys)
        head = next(m for m in record.members if m.is_head)
        warning = intake_warning(
            kind=CADRE_VISIT,
            warning_id=warning_id,
            reason=visit.warning_reason,
            person=PersonRef(
                name=head.name,
                id_number=head.id_number,
                birth_date=head.birth_date,
                region_code=record.region_code,
            ),
            occurred_on=visit.visit_date,
            received_at=now,
            source_record_id=str(visit_id),
            description=visit.findings,
        )
        await _queue_warning(outbox, warning, keys=keys, now=now, message_id=new_id())
    return visit_id, warning_id


async def coverage_report(
    session: AsyncSession, *, scope: str, month: date
) -> list[VillageCoverage]:
    """Per village inside `scope` (a township or county code): who is visited this month."""
    prefix = scope_prefix(scope)
    rows = (
        await session.execute(
            select(
                households.c.household_number,
                households.c.region_code,
                households.c.township_name,
                households.c.village_name,
            ).where(households.c.region_code.startswith(prefix))
        )
    ).all()
    visited = set(
        (
            await session.scalars(
                select(households.c.household_number)
                .join(visits, visits.c.household_id == households.c.household_id)
                .where(visits.c.region_code.startswith(prefix), visits.c.month == month_of(month))
            )
        ).all()
    )
    return coverage([(r[0], r[1], r[2], r[3]) for r in rows], visited)
